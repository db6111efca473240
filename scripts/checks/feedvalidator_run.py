#!/usr/bin/env python3
"""Runs the W3C Feed Validator (a checkout, never committed) over feed files, offline.

Usage: feedvalidator_run.py FEEDVALIDATOR_DIR SELF_URL=FILE...

Each file is validated as if served at SELF_URL (so `link rel="self"` matches its location). Prints one line
per file with its error and warning counts and the messages, and the totals last as `errors=N warnings=N`.
Exits 0; the calling script applies the floor.
"""
import io
import os
import sys


def main():
    validator_dir = sys.argv[1]
    sys.path.insert(0, os.path.join(validator_dir, "src"))
    import feedvalidator
    from feedvalidator import compatibility
    from feedvalidator.formatter.text_plain import Formatter

    total_errors = total_warnings = 0
    for pair in sys.argv[2:]:
        url, path = pair.split("=", 1)
        with open(path, "rb") as handle:
            data = handle.read()
        stream = io.BytesIO(data)
        try:
            events = feedvalidator.validateStream(stream, firstOccurrenceOnly=1, base=url)["loggedEvents"]
        except feedvalidator.logging.ValidationFailure as failure:
            events = [failure.event]
        errors = compatibility.A(events)
        warnings = [event for event in compatibility.AA(events) if event not in errors]
        total_errors += len(errors)
        total_warnings += len(warnings)
        print(f"{path}: {len(errors)} errors, {len(warnings)} warnings")
        for line in Formatter(errors):
            print("  error:", line)
        for line in Formatter(warnings):
            print("  warning:", line)
    print(f"errors={total_errors} warnings={total_warnings}")


if __name__ == "__main__":
    main()
