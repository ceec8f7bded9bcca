"""Configuration as an operator sets it: defaults, a TOML file, environment variables."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.config import DEFAULTS, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative paths (the instance dir) resolve under a temp dir, never the checkout."""
    monkeypatch.chdir(tmp_path)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hazardbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_give_a_working_dev_setup(tmp_path: Path) -> None:
    config = load_config(environ={})
    instance = tmp_path / "instance"
    assert config["app"]["dev_mode"] is True
    assert config["app"]["instance_dir"] == str(instance)
    assert config["database"]["url"] == f"sqlite:///{instance / 'hazardbot.sqlite3'}"
    assert config["media"]["dir"] == str(instance / "media")
    assert config["dialogue"] == {"idle_minutes": 30, "inspection_idle_minutes": 120, "draft_hours": 24,
                                  "max_photos": 9, "max_description_chars": 1000}
    assert config["jobs"]["max_attempts"] == 40


def test_defaults_are_not_shared_between_loads() -> None:
    first = load_config(environ={})
    first["dialogue"]["max_photos"] = 1
    assert load_config(environ={})["dialogue"]["max_photos"] == 9
    assert DEFAULTS["dialogue"]["max_photos"] == 9


def test_file_named_by_hazardbot_config_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, """
[app]
dev_mode = false
[database]
url = "postgresql+psycopg://hb@db/hazardbot"
[dialogue]
max_photos = 4
[jobs]
poll_seconds = 2
""")
    config = load_config(environ={"HAZARDBOT_CONFIG": str(path)})
    assert config["app"]["dev_mode"] is False
    assert config["database"]["url"] == "postgresql+psycopg://hb@db/hazardbot"
    assert config["dialogue"]["max_photos"] == 4
    assert config["jobs"]["poll_seconds"] == 2.0
    assert isinstance(config["jobs"]["poll_seconds"], float)
    # keys the file leaves out keep their defaults
    assert config["wechat"]["timeout"] == 5.0


def test_environment_overrides_defaults_with_the_right_types() -> None:
    config = load_config(environ={
        "HAZARDBOT_DATABASE_URL": "postgresql+psycopg://hb@db/hazardbot",
        "HAZARDBOT_WECHAT_TOKEN": "s3cret-token",
        "HAZARDBOT_APP_DEV_MODE": "false",
        "HAZARDBOT_JOBS_POLL_SECONDS": "0.5",
        "HAZARDBOT_DIALOGUE_MAX_PHOTOS": "3",
    })
    assert config["database"]["url"] == "postgresql+psycopg://hb@db/hazardbot"
    assert config["wechat"]["token"] == "s3cret-token"
    assert config["app"]["dev_mode"] is False
    assert config["jobs"]["poll_seconds"] == 0.5
    assert config["dialogue"]["max_photos"] == 3
    assert isinstance(config["dialogue"]["max_photos"], int)


def test_environment_beats_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, '[wechat]\ntoken = "from-file"\nappid = "wxfile"\n')
    config = load_config(path, environ={"HAZARDBOT_WECHAT_TOKEN": "from-env"})
    assert config["wechat"]["token"] == "from-env"
    assert config["wechat"]["appid"] == "wxfile"


def test_unknown_key_in_file_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, '[wechat]\ntokn = "typo"\n')
    with pytest.raises(ConfigError, match=r"wechat\.tokn"):
        load_config(path, environ={})


def test_unknown_section_in_file_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "[wechats]\ntoken = 'x'\n")
    with pytest.raises(ConfigError, match=r"\[wechats\]"):
        load_config(path, environ={})


def test_bad_boolean_in_environment_is_named() -> None:
    with pytest.raises(ConfigError, match="HAZARDBOT_APP_DEV_MODE"):
        load_config(environ={"HAZARDBOT_APP_DEV_MODE": "maybe"})


def test_bad_number_in_environment_is_named() -> None:
    with pytest.raises(ConfigError, match="HAZARDBOT_DIALOGUE_MAX_PHOTOS"):
        load_config(environ={"HAZARDBOT_DIALOGUE_MAX_PHOTOS": "nine"})


def test_quoted_boolean_in_file_is_an_error_not_true(tmp_path: Path) -> None:
    """``dev_mode = "false"`` would otherwise be a non-empty string, i.e. dev mode ON."""
    path = _write(tmp_path, '[app]\ndev_mode = "false"\n')
    with pytest.raises(ConfigError, match=r"app\.dev_mode"):
        load_config(path, environ={})


def test_wrong_type_in_file_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, '[dialogue]\nmax_photos = "9"\n')
    with pytest.raises(ConfigError, match=r"dialogue\.max_photos"):
        load_config(path, environ={})


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nowhere.toml"):
        load_config(tmp_path / "nowhere.toml", environ={})


def test_example_documents_exactly_the_known_keys() -> None:
    """config.example.toml lists every key (and no other), so it cannot drift from the code."""
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert {s: set(v) for s, v in example.items()} == {s: set(v) for s, v in DEFAULTS.items()}


def test_example_shows_the_defaults() -> None:
    assert load_config(EXAMPLE, environ={}) == load_config(environ={})


def test_example_comments_every_key_in_both_languages() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if "=" not in line or line.startswith("#"):
            continue
        key = line.split("=", 1)[0].strip()
        comments = []
        j = i - 1
        while j >= 0 and lines[j].startswith("#"):
            comments.append(lines[j])
            j -= 1
        text = " ".join(comments)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), f"{key}: no Chinese comment"
        assert any(ch.isascii() and ch.isalpha() for ch in text), f"{key}: no English comment"


def test_live_mode_refuses_the_public_dev_secrets() -> None:
    from bot import create_app

    with pytest.raises(ConfigError) as refused:
        create_app({"app": {"dev_mode": False}})
    for name in ("app.secret_key", "wechat.token", "wechat.encoding_aes_key", "wechat.appid",
                 "wechat.secret", "security.query_code_key"):
        assert name in str(refused.value)


def test_live_mode_starts_with_its_own_secrets(tmp_path: Path) -> None:
    from bot import create_app

    app = create_app({
        "app": {"dev_mode": False, "secret_key": "s", "instance_dir": str(tmp_path)},
        "wechat": {"token": "t", "encoding_aes_key": "k" * 43, "appid": "wxreal", "secret": "x"},
        "security": {"query_code_key": "q"},
    })
    assert "dev" not in app.blueprints
    app.extensions["engine"].dispose()
