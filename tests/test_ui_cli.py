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


def test_logs_are_quiet_by_default(monkeypatch):
    import logging

    from ui.cli import configure_logging

    try:
        configure_logging(False)
        import bm25s  # noqa: F401  (sets its own logger to DEBUG when imported)

        root = logging.getLogger()
        assert all(h.level == logging.WARNING for h in root.handlers)
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
        assert not logging.getLogger("faiss.loader").isEnabledFor(logging.INFO)
        configure_logging(True)
        assert logging.getLogger("policy_qa.ui").isEnabledFor(logging.INFO)
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    finally:
        logging.basicConfig(force=True)
