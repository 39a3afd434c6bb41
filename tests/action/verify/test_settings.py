"""The in-job verification's failing test (tests/action/e2e.yml, job in-job):
PyYAML is not in requirements.txt until autoheal adds it."""

import yaml


def test_settings_load():
    assert yaml.safe_load("retries: 3") == {"retries": 3}
