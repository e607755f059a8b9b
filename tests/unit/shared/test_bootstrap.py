"""The composition root: each built instance holds its own gauges, so two apps in one process never share them."""
from shared import bootstrap, metrics
from shared.bootstrap import Settings


def _gauges(registry, database_url):
    registry.register(metrics.GaugeCollector("kawal_bootstraptest_database", "The database this instance reads.",
                                             ["url"], lambda: [((database_url,), 1)]))


def test_two_instances_in_one_process_each_expose_the_gauges_of_their_own_database():
    first = bootstrap.build(Settings("bootstraptest", "postgresql+psycopg://a/one", "amqp://x"), gauges=_gauges)
    second = bootstrap.build(Settings("bootstraptest", "postgresql+psycopg://b/two", "amqp://x"), gauges=_gauges)
    one, two = metrics.exposition(first.gauges).decode(), metrics.exposition(second.gauges).decode()
    assert 'kawal_bootstraptest_database{url="postgresql+psycopg://a/one"} 1.0' in one and "b/two" not in one
    assert 'kawal_bootstraptest_database{url="postgresql+psycopg://b/two"} 1.0' in two and "a/one" not in two
    assert "kawal_bootstraptest_database" not in metrics.exposition().decode()  # nothing left on the process


def test_settings_come_from_the_environment_unless_a_test_config_names_the_database(monkeypatch):
    monkeypatch.setenv("KAWAL_BILLING_DATABASE_URL", "postgresql+psycopg://env/billing")
    assert Settings.from_environment("billing").database_url == "postgresql+psycopg://env/billing"
    given = Settings.from_environment("billing", {"KAWAL_DATABASE_URL": "postgresql+psycopg://test/billing"})
    assert given.database_url == "postgresql+psycopg://test/billing"


def test_each_service_bootstrap_carries_its_handler_table():
    from services.billing import handlers
    from services.billing.bootstrap import bootstrap as billing

    built = billing(Settings("billing", "postgresql+psycopg://nobody@127.0.0.1:1/none", "amqp://x"))
    assert built.handlers == handlers.HANDLERS and list(built.periodic) == handlers.PERIODIC
