"""Where manage.py finds its database when DATABASE_URL is not set."""

from config.settings import _embedded_database_url


def test_embedded_url_uses_the_socket_dir_the_server_reports(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path))
    (tmp_path / "pg").mkdir()
    (tmp_path / "pg" / "postmaster.pid").write_text(
        "4242\n/data/pg\n1700000000\n\n/run/short-socket-dir\n\n"
    )
    assert _embedded_database_url() == (
        "postgresql://postgres@/atlas?host=/run/short-socket-dir"
    )


def test_embedded_url_defaults_to_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path))
    assert _embedded_database_url() == (
        f"postgresql://postgres@/atlas?host={tmp_path / 'pg'}"
    )
