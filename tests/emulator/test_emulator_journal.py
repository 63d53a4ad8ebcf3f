"""The emulator's record of requests stays bounded however long it runs."""

from __future__ import annotations

from google.rpc import code_pb2

from scanner_grpc.emulator._records import Journal


def test_journal_forgets_the_oldest_requests_past_its_bound() -> None:
    journal = Journal(max_records=10)
    for number in range(25):
        call = journal.begin("rest", f"Get {number}", {})
        journal.finish(call, code_pb2.OK)

    methods = [record.method for record in journal.requests]
    assert len(methods) <= 20
    assert methods[-10:] == [f"Get {number}" for number in range(15, 25)]
    assert all(record.code == code_pb2.OK for record in journal.requests)
