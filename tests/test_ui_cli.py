import pytest

from ui.cli import read_auth


def test_logins_from_environment_and_file(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_QA_AUTH", "alice:secret,bob:pa:ss")
    path = tmp_path / "auth.txt"
    path.write_text("# staff\ncarol:pw\n\n", encoding="utf-8")
    assert read_auth(path) == [("alice", "secret"), ("bob", "pa:ss"), ("carol", "pw")]


def test_no_login_configured_means_open(monkeypatch):
    monkeypatch.delenv("POLICY_QA_AUTH", raising=False)
    assert read_auth(None) is None


def test_malformed_login_is_refused(monkeypatch):
    monkeypatch.setenv("POLICY_QA_AUTH", "nopassword")
    with pytest.raises(ValueError, match="user:password"):
        read_auth(None)
