"""The ``validate`` subcommand: judge any OAI-PMH endpoint and print one line per check.

Only arguments and printing live here; the checks are ``oai.validate``. Exit codes: 0 no MUST
broken, 1 a MUST broken, 2 usage error, 3 the endpoint cannot be reached, does not speak
OAI-PMH or stays busy.
"""
from __future__ import annotations

import argparse
import json
from urllib.parse import urlsplit

from oai.cli.base import Failure, Settings, command, complain, say

EXIT_CODES_HELP = """exit codes:
  0  no MUST of OAI-PMH is broken (warnings may remain)
  1  at least one MUST is broken
  2  usage error
  3  the endpoint cannot be reached, does not speak OAI-PMH, or stays busy (503)"""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0:   # also refuses nan
        raise argparse.ArgumentTypeError("must be a number of seconds, 0 or more")
    return value


def _positive_seconds(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXIT_CODES_HELP
    parser.add_argument("base_url", metavar="BASE_URL", help="the endpoint's OAI-PMH base URL")
    parser.add_argument("--json", metavar="FILE", help="also write the verdicts as JSON")
    parser.add_argument("--max-pages", type=_positive, default=10, metavar="N",
                        help="pages followed per list (default 10); bounds the requests")
    parser.add_argument("--set", dest="set_spec", metavar="S",
                        help="the set to check selective harvesting with (default: the first)")
    parser.add_argument("--prefix", default="oai_dc", metavar="P",
                        help="the metadataPrefix of the lists (default oai_dc)")
    parser.add_argument("--delay", type=_seconds, default=0.0, metavar="SECONDS",
                        help="pause between two requests")
    parser.add_argument("--timeout", type=_positive_seconds, default=30.0, metavar="S",
                        help="seconds to wait for an answer (default 30)")


@command("validate", "check an OAI-PMH endpoint against the protocol, strictly", _configure)
def run_validate(args: argparse.Namespace, settings: Settings) -> int:
    from oai.validate import Options, Outcome, validate

    parts = urlsplit(args.base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        complain(f"validate: {args.base_url!r} is not an http(s) URL")
        return 2
    options = Options(admin_email=settings.identity.admin_emails[0], max_pages=args.max_pages,
                      set_spec=args.set_spec, prefix=args.prefix, delay=args.delay,
                      timeout=args.timeout)
    say(f"validating {args.base_url} (at most {options.budget} requests, "
        f"{args.max_pages} pages per list, {args.delay:g} s between requests)")
    report = validate(args.base_url, options)
    for verdict in report.verdicts:
        check = verdict.check
        line = f"{check.id:<4} {check.section:<14} {verdict.outcome.value:<4}  {check.title}"
        if verdict.outcome in (Outcome.FAIL, Outcome.WARN):
            line += f"\n       request: {verdict.request}\n       got: {verdict.got}"
        elif verdict.outcome is Outcome.SKIP and verdict.note:
            line += f" ({verdict.note})"
        say(line)
    for note in report.notes:
        say(f"note: {note}")
    counts = report.counts()
    if report.fatal:
        say(f"cannot validate: {report.fatal}")
    say(f"summary: {counts['PASS']} passed, {counts['FAIL']} failed (MUST), "
        f"{counts['WARN']} warnings (SHOULD), {counts['SKIP']} skipped; "
        f"{report.requests} of at most {report.budget} requests sent")
    if args.json:
        try:
            with open(args.json, "w", encoding="utf-8") as out:
                json.dump(report.as_data(), out, indent=2)
        except OSError as exc:
            raise Failure(f"cannot write {args.json}: {exc.strerror}") from None
    return report.exit_code
