"""The OpenAPI document against the app: a bounded schemathesis run (in-process, WSGI)
over every documented operation, with a staff token. Any 5xx, or an answer that does not
match the document, fails the test; each operation gets a fixed number of examples."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi import checks as openapi_checks

from tests.support import submit
from tests.web.conftest import PASSWORD

EXAMPLES = 30
# Every check but "a schema-valid request must be accepted": the document cannot say that a
# department must exist or that a password is not only spaces, and those are 422s by design.
EXCLUDED = [openapi_checks.positive_data_acceptance]


def test_every_documented_operation_answers_as_documented(app, rt):
    from domain.actors import SYSTEM_ACTOR
    from infrastructure.security import hash_password
    rt.app.register_staff(username="root", display_name="管理员", roles=["admin"],
                          password_hash=hash_password(PASSWORD), department=None,
                          actor=SYSTEM_ACTOR)  # every role: every operation gets past 403
    submit(rt.app)
    rt.catch_up_all()
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "root", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)

        try:
            run()
        except BaseException as e:  # noqa: BLE001 - collect them all, then fail once
            if isinstance(e, KeyboardInterrupt):
                raise
            failures.append(f"{operation.method.upper()} {operation.path}: {e}"[:1500])
    assert operations > 40
    assert not failures, "\n\n".join(failures)
