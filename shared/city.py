"""The reference city: Pekanbaru's 15 kecamatan (since 2021) and the three kawasan of the 2025 contract."""

KECAMATAN = (
    "Binawidya",
    "Tuah Madani",
    "Marpoyan Damai",
    "Bukit Raya",
    "Tenayan Raya",
    "Kulim",
    "Sail",
    "Pekanbaru Kota",
    "Limapuluh",
    "Sukajadi",
    "Payung Sekaki",
    "Senapelan",
    "Rumbai",
    "Rumbai Barat",
    "Rumbai Timur",
)

KAWASAN = {
    "Kawasan 1": ("Tuah Madani", "Binawidya", "Marpoyan Damai", "Payung Sekaki", "Senapelan", "Sukajadi"),
    "Kawasan 2": ("Sail", "Limapuluh", "Pekanbaru Kota", "Bukit Raya", "Tenayan Raya", "Kulim"),
    "Kawasan 3": ("Rumbai", "Rumbai Barat", "Rumbai Timur"),
}

POINT_KINDS = ("tps", "tps_liar", "depo", "jalan_protokol", "pasar")
PRIORITY_POINT_KINDS = ("jalan_protokol", "pasar")  # complaints there are due sooner
VEHICLE_TYPES = ("pikap", "dump_truck", "arm_roll", "compactor", "fuso")
