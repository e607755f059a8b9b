"""Place names and invented firms of the reference city (Pekanbaru): kelurahan, centroids, roads, markets, depots."""

from __future__ import annotations

# 83 kelurahan across the 15 kecamatan (names as used locally, a few approximated for the demo).
KELURAHAN = {
    "Binawidya": ("Binawidya", "Simpang Baru", "Tobek Godang", "Delima", "Garuda Sakti"),
    "Tuah Madani": ("Tuah Karya", "Tuah Madani", "Sialang Munggu", "Air Putih", "Sidomulyo Barat"),
    "Marpoyan Damai": (
        "Tangkerang Tengah",
        "Tangkerang Barat",
        "Maharatu",
        "Sidomulyo Timur",
        "Wonorejo",
        "Perhentian Marpoyan",
    ),
    "Bukit Raya": (
        "Simpang Tiga",
        "Tangkerang Selatan",
        "Tangkerang Utara",
        "Tangkerang Labuai",
        "Air Dingin",
        "Tangkerang Indah",
    ),
    "Tenayan Raya": (
        "Tangkerang Timur",
        "Rejosari",
        "Bambu Kuning",
        "Sialang Sakti",
        "Tuah Negeri",
        "Industri Tenayan",
        "Bencah Lesung",
        "Melebung",
    ),
    "Kulim": ("Kulim", "Mentangor", "Pebatuan", "Sialang Rampai", "Pematang Kapau"),
    "Sail": ("Cinta Raja", "Suka Maju", "Suka Mulia"),
    "Pekanbaru Kota": ("Simpang Empat", "Sumahilang", "Tanah Datar", "Kota Baru", "Sukaramai", "Kota Tinggi"),
    "Limapuluh": ("Rintis", "Sekip", "Tanjung Rhu", "Pesisir"),
    "Sukajadi": ("Jadirejo", "Kampung Tengah", "Kampung Melayu", "Kedung Sari", "Harjosari", "Sukajadi", "Pulau Karam"),
    "Payung Sekaki": ("Labuh Baru Timur", "Labuh Baru Barat", "Tampan", "Air Hitam", "Bandar Raya", "Sungai Sibam"),
    "Senapelan": ("Padang Bulan", "Padang Terubuk", "Sago", "Kampung Dalam", "Kampung Bandar", "Kampung Baru"),
    "Rumbai": ("Umban Sari", "Sri Meranti", "Palas", "Rumbai Bukit", "Muara Fajar Timur", "Meranti Pandak"),
    "Rumbai Barat": ("Rantau Panjang", "Maharani", "Muara Fajar Barat", "Agrowisata", "Sungai Ukai"),
    "Rumbai Timur": ("Lembah Sari", "Lembah Damai", "Limbungan", "Limbungan Baru", "Tebing Tinggi Okura"),
}

# One approximate centroid (lat, lon) per kecamatan; points are jittered around it.
CENTROIDS = {
    "Senapelan": (0.538, 101.445),
    "Limapuluh": (0.535, 101.462),
    "Pekanbaru Kota": (0.525, 101.448),
    "Sail": (0.515, 101.463),
    "Sukajadi": (0.522, 101.432),
    "Payung Sekaki": (0.518, 101.405),
    "Marpoyan Damai": (0.480, 101.432),
    "Bukit Raya": (0.478, 101.465),
    "Tenayan Raya": (0.500, 101.505),
    "Kulim": (0.472, 101.515),
    "Binawidya": (0.468, 101.392),
    "Tuah Madani": (0.458, 101.412),
    "Rumbai": (0.575, 101.440),
    "Rumbai Barat": (0.598, 101.400),
    "Rumbai Timur": (0.590, 101.490),
}

# The 32 jalan protokol, each placed in the kecamatan it mostly runs through.
PROTOCOL_ROADS = (
    ("Jl. Jenderal Sudirman", "Pekanbaru Kota"),
    ("Jl. Tuanku Tambusai", "Sukajadi"),
    ("Jl. Soekarno-Hatta", "Payung Sekaki"),
    ("Jl. Riau", "Payung Sekaki"),
    ("Jl. HR Soebrantas", "Tuah Madani"),
    ("Jl. Ahmad Yani", "Senapelan"),
    ("Jl. Diponegoro", "Sail"),
    ("Jl. Gajah Mada", "Pekanbaru Kota"),
    ("Jl. Pattimura", "Sail"),
    ("Jl. Hang Tuah", "Sail"),
    ("Jl. Imam Munandar", "Bukit Raya"),
    ("Jl. Arifin Ahmad", "Marpoyan Damai"),
    ("Jl. Kaharuddin Nasution", "Marpoyan Damai"),
    ("Jl. Yos Sudarso", "Rumbai"),
    ("Jl. Sisingamangaraja", "Limapuluh"),
    ("Jl. Teuku Umar", "Sukajadi"),
    ("Jl. Cut Nyak Dien", "Sukajadi"),
    ("Jl. Kartini", "Pekanbaru Kota"),
    ("Jl. Juanda", "Senapelan"),
    ("Jl. Sam Ratulangi", "Limapuluh"),
    ("Jl. Dr. Sutomo", "Limapuluh"),
    ("Jl. Harapan Raya", "Bukit Raya"),
    ("Jl. Kapau Sari", "Tenayan Raya"),
    ("Jl. Garuda Sakti", "Binawidya"),
    ("Jl. Garuda", "Tuah Madani"),
    ("Jl. Nangka", "Marpoyan Damai"),
    ("Jl. Paus", "Marpoyan Damai"),
    ("Jl. Sumatera", "Senapelan"),
    ("Jl. Dr. Soetomo", "Limapuluh"),
    ("Jl. Sekolah", "Rumbai"),
    ("Jl. Umban Sari", "Rumbai"),
    ("Jl. Pasir Putih", "Kulim"),
)

MARKETS = (
    ("Pasar Pusat", "Pekanbaru Kota"),
    ("Pasar Bawah", "Senapelan"),
    ("Pasar Cik Puan", "Sukajadi"),
    ("Pasar Kodim", "Sail"),
    ("Pasar Arengka", "Marpoyan Damai"),
    ("Pasar Simpang Baru", "Binawidya"),
    ("Pasar Rumbai", "Rumbai"),
    ("Pasar Limapuluh", "Limapuluh"),
    ("Pasar Tenayan", "Tenayan Raya"),
)

DEPOTS = (("Depo Harapan Jaya", "Bukit Raya"), ("Depo Air Hitam", "Payung Sekaki"), ("Depo Palas", "Rumbai"))

# Invented firms (the real 2025 contractors were penalised or blacklisted): one per kawasan.
CONTRACTORS = (
    {
        "name": "PT Sinar Bersih Nusantara",
        "npwp": "81.402.117.3-216.000",
        "address": "Jl. Melur No. 12, Pekanbaru",
        "phone": "0761-400117",
        "email": "kontrak@sinarbersih.example",
    },
    {
        "name": "PT Lancar Hijau Sejahtera",
        "npwp": "82.515.204.9-216.000",
        "address": "Jl. Kenari No. 7, Pekanbaru",
        "phone": "0761-515204",
        "email": "admin@lancarhijau.example",
    },
    {
        "name": "CV Tepian Kampar Lestari",
        "npwp": "83.628.391.5-216.000",
        "address": "Jl. Teratai No. 3, Rumbai",
        "phone": "0761-628391",
        "email": "cv@tepiankampar.example",
    },
)

PLATE_SUFFIX_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
