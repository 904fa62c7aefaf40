"""harvest_cli.main(): subcommands, configuration precedence, exit codes and messages."""
from __future__ import annotations

from pathlib import Path

import pytest

from harvest_cli import COMMANDS, build_parser, main, redact, settings_from
from oai import config

DATA = Path(__file__).parent / "data" / "ingest"


@pytest.fixture
def run(store_url, capsys, monkeypatch):
    """run(*argv) -> (exit code, stdout, stderr) against the test database."""
    monkeypatch.delenv("OAI_DATABASE_URL", raising=False)
    monkeypatch.delenv("OAI_REPOSITORY_IDENTIFIER", raising=False)

    def _run(*argv: str):
        code = main(["--database", store_url, *argv])
        out, err = capsys.readouterr()
        return code, out, err
    return _run


def test_init_then_stats_on_an_empty_catalogue(run):
    code, out, err = run("init")
    assert (code, err) == (0, "") and out.startswith("database ready: ")
    code, out, _ = run("stats")
    assert code == 0 and "records: 0" in out.splitlines()


def test_import_reports_each_file_and_is_idempotent(run, tmp_path):
    csv = tmp_path / "books.csv"
    csv.write_text("identifier,title,sets\nb1,Book one,law\nb2,Book two,\n", encoding="utf-8")
    code, out, err = run("import", str(csv), str(DATA / "listrecords.xml"))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{csv}: 2 added, 0 updated, 0 unchanged, 0 deleted",
        f"{DATA / 'listrecords.xml'}: 2 added, 0 updated, 0 unchanged, 1 deleted"]
    code, out, _ = run("import", str(csv))
    assert code == 0 and out == f"{csv}: 0 added, 0 updated, 2 unchanged, 0 deleted\n"


def test_a_bad_file_fails_alone_with_one_clear_line(run, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("identifier,title\ng,Good\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("identifier,titel\nx,y\n", encoding="utf-8")
    code, out, err = run("import", str(bad), str(good))
    assert code == 1
    assert err == (f"oai-harvest: error: {bad}, line 1: unknown column 'titel' (expected a "
                   "Dublin Core element, identifier, sets or status) (nothing imported from "
                   "this file)\n")
    assert out == f"{good}: 1 added, 0 updated, 0 unchanged, 0 deleted\n"
    assert "Traceback" not in err


def test_import_format_option_and_missing_file(run, tmp_path):
    odd = tmp_path / "records.txt"
    odd.write_text("identifier,title\nz,Zed\n", encoding="utf-8")
    code, out, _ = run("import", "--format", "csv", str(odd))
    assert code == 0 and "1 added" in out
    code, _, err = run("import", str(tmp_path / "absent.csv"))
    assert code == 1 and "absent.csv: cannot read the file: No such file or directory" in err


def test_delete_accepts_local_ids_and_reports_missing(run, tmp_path):
    csv = tmp_path / "books.csv"
    csv.write_text("identifier,title\nb1,Book one\nb2,Book two\n", encoding="utf-8")
    run("import", str(csv))
    code, out, err = run("delete", "b1", "oai:granary.example.org:b2")
    assert (code, err) == (0, "")
    assert out.splitlines() == ["oai:granary.example.org:b1: deleted",
                                "oai:granary.example.org:b2: deleted"]
    code, out, err = run("delete", "b1", "nope")
    assert code == 1
    assert out == "oai:granary.example.org:b1: already deleted\n"
    assert err == "oai-harvest: error: oai:granary.example.org:nope: no such record\n"
    _, out, _ = run("stats")
    assert "deleted: 2" in out.splitlines()
    code, out, err = run("delete", "http://example.org/a b")
    assert (code, out) == (1, "") and "starts like a URI but is not one" in err


def test_sets_add_and_list(run):
    code, out, _ = run("sets", "list")
    assert (code, out) == (0, "no sets yet\n")
    assert run("sets", "add", "law:treaties", "Treaties", "--description", "Texts.")[0] == 0
    assert run("sets", "add", "law", "Law")[0] == 0
    code, out, _ = run("sets", "list")
    assert out.splitlines() == ["law\tLaw", "law:treaties\tTreaties"]
    code, _, err = run("sets", "add", "bad spec", "Bad")
    assert code == 1 and "'bad spec' is not a valid setSpec" in err


def test_repository_identifier_option_and_environment(run, tmp_path, monkeypatch):
    csv = tmp_path / "books.csv"
    csv.write_text("identifier,title\nb1,Book one\n", encoding="utf-8")
    assert run("--repository-identifier", "library.example.net", "import", str(csv))[0] == 0
    monkeypatch.setenv("OAI_REPOSITORY_IDENTIFIER", "env.example.com")
    assert run("delete", "b1")[2] == "oai-harvest: error: oai:env.example.com:b1: no such record\n"
    # The option after the subcommand works too, and wins over the environment.
    code, out, _ = run("delete", "b1", "--repository-identifier", "library.example.net")
    assert (code, out) == (0, "oai:library.example.net:b1: deleted\n")


def test_database_from_environment(sqlite_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("OAI_DATABASE_URL", sqlite_url)
    assert main(["init"]) == 0
    assert sqlite_url in capsys.readouterr().out
    assert Path(sqlite_url.removeprefix("sqlite:///")).is_file()


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: COMMAND"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["import"], "the following arguments are required: FILE"),
    (["sets"], "the following arguments are required: ACTION"),
    (["--repository-identifier", "not_a_domain", "stats"],
     "repository identifier 'not_a_domain' is not a domain name"),
])
def test_usage_errors_exit_2(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("init", "demo", "import", "delete", "sets", "stats",
                                        "sources", "harvest"))


def test_unreachable_database_is_one_line_without_password(capsys):
    code = main(["--database", "postgresql+psycopg://user:s3cret@127.0.0.1:1/none", "stats"])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "s3cret" not in err and "user:***@127.0.0.1:1" in err
    assert err.startswith("oai-harvest: error: stats failed on ")


def test_commands_form_a_registry_for_later_subcommands():
    assert list(COMMANDS) == ["init", "demo", "import", "delete", "sets", "stats", "formats",
                              "sources",
                              "harvest", "validate"]
    assert build_parser().parse_args(["stats"]).command == "stats"
    assert redact("postgresql://u:p@h/db") == "postgresql://u:***@h/db"
    assert redact("sqlite:///granary.db") == "sqlite:///granary.db"


def test_the_cli_reads_the_servers_settings_with_its_options_on_top():
    parser = build_parser()
    # One set of defaults: the server's (oai.config.DEFAULTS).
    s = settings_from(parser.parse_args(["stats"]), {}, parser)
    assert s == config.load({})
    assert s.database_url == config.DEFAULTS["OAI_DATABASE_URL"] == "sqlite:///granary.db"
    assert s.identity.repository_identifier == "granary.example.org"
    assert s.identity.admin_emails == ("admin@granary.example.org",)
    environ = {"OAI_DATABASE_URL": "sqlite:///env.db", "OAI_REPOSITORY_IDENTIFIER": "env.org",
               "OAI_ADMIN_EMAIL": "a@env.org, b@env.org", "HOME": "/root"}
    s = settings_from(parser.parse_args(["stats"]), environ, parser)
    assert (s.database_url, s.identity.repository_identifier) == ("sqlite:///env.db", "env.org")
    assert s.identity.admin_emails == ("a@env.org", "b@env.org")
    s = settings_from(parser.parse_args(["--database", "sqlite:///opt.db", "stats",
                                         "--repository-identifier", "opt.org"]), environ, parser)
    assert (s.database_url, s.identity.repository_identifier) == ("sqlite:///opt.db", "opt.org")
    # A variable set to nothing is unset for the command line: the default applies.
    s = settings_from(parser.parse_args(["stats"]), {"OAI_DATABASE_URL": "",
                                                     "OAI_REPOSITORY_IDENTIFIER": " "}, parser)
    assert s == config.load({})


def test_render_processes_come_from_the_environment_and_reach_the_importer():
    from oai.cli.base import open_catalog

    assert config.load({}).render_processes is None              # as the cores allow
    assert config.load({"OAI_RENDER_PROCESSES": "0"}).render_processes == 0
    settings = config.load({"OAI_RENDER_PROCESSES": " 3 ", "OAI_DATABASE_URL": "sqlite://"})
    with open_catalog(settings) as catalog:
        assert catalog.render_processes == 3


@pytest.mark.parametrize("variable, value, message", [
    ("OAI_REPOSITORY_IDENTIFIER", "not_a_domain",
     "OAI_REPOSITORY_IDENTIFIER: repository identifier 'not_a_domain' is not a domain name"),
    ("OAI_ADMIN_EMAIL", "ok@example.org, nobody", "OAI_ADMIN_EMAIL: 'nobody' is not an email"),
    ("OAI_PAGE_SIZE", "ten", "OAI_PAGE_SIZE must be a whole number, not 'ten'"),
    ("OAI_RENDER_PROCESSES", "-1",
     "OAI_RENDER_PROCESSES must be a whole number, 0 or more, not '-1'"),
    ("OAI_RENDER_PROCESSES", "two",
     "OAI_RENDER_PROCESSES must be a whole number, 0 or more, not 'two'"),
])
def test_a_bad_setting_in_the_environment_is_a_usage_error_naming_it(
        variable, value, message, monkeypatch, capsys):
    monkeypatch.setenv(variable, value)
    assert main(["stats"]) == 2
    err = capsys.readouterr().err
    assert f"oai-harvest: error: {message}" in err and "Traceback" not in err
