"""What the client scripts in this folder share: the JSON/base64 command plumbing that
test/interop/python.test.ts drives them through.

A script is run as `/usr/bin/python3 SCRIPT.py COMMAND < request.json`: the request is one JSON
object on stdin, the result one JSON object on stdout. Bytes travel as base64 strings (null stays
null). Any failure raises, so the exit code is non-zero and the traceback is on stderr.

Python puts a script's own folder first on sys.path, so the scripts import this module whatever
the working directory.
"""

import base64
import json
import sys

TIMEOUT_S = 15


def b64(data):
    return None if data is None else base64.b64encode(data).decode("ascii")


def unb64(text):
    return None if text is None else base64.b64decode(text)


def record_headers(record):
    """A request record's headers as (name, bytes) pairs, the form both clients take."""
    return [(name, unb64(value)) for name, value in record["headers"]]


def consumed(partition, offset, key, value, headers):
    """One consumed record as the test reads it: bytes as base64, headers as [name, value] pairs."""
    return {
        "partition": partition,
        "offset": offset,
        "key": b64(key),
        "value": b64(value),
        "headers": [[name, b64(data)] for name, data in headers],
    }


def run(commands):
    """Runs the command named by argv[1] on the JSON request from stdin and prints its result."""
    command = sys.argv[1]
    request = json.load(sys.stdin)
    result = commands[command](request)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
