"""Schemathesis hooks for scripts/schemathesis.sh: the caller's token and the fixtures that take generated requests
past 404s into real transfers.

- Authorization: every operation that declares a bearer scope gets the token of the party its policy names
  (`x-altinn-policy`, the same data tests/authz_matrix holds the emulator to): the sender (Digdir) for Sender and
  SenderOrRecipient, the recipient for Recipient, Digdir as service owner for ServiceOwner. Schemathesis also
  generates Authorization headers of its own from the security scheme: one in four of those is kept, so 401 stays
  exercised, and the rest get the fixture token.
- `{fileTransferId}` / `{partialId}` / `{resourceId}` / `?fileTransferId` / `?resourceId`: most generated values are
  replaced by a fixture the script made before the run (transfers initialized, published, with a tus upload or a
  partial upload under way; that partial upload's id; the seed resource). The choice is a pure function of the generated value, so Hypothesis' replay and shrinking
  still see a deterministic test.

The fixtures come from the environment (the script exports them): SCHEMATHESIS_TOKEN_SENDER, _RECIPIENT,
_SERVICE_OWNER, _EVENTS, SCHEMATHESIS_TRANSFERS and SCHEMATHESIS_PARTIALS (comma-separated ids), SCHEMATHESIS_RESOURCE.
"""

import hashlib
import os

import schemathesis

TOKENS = {
    "Sender": os.environ.get("SCHEMATHESIS_TOKEN_SENDER", ""),
    "SenderOrRecipient": os.environ.get("SCHEMATHESIS_TOKEN_SENDER", ""),
    "Recipient": os.environ.get("SCHEMATHESIS_TOKEN_RECIPIENT", ""),
    "ServiceOwner": os.environ.get("SCHEMATHESIS_TOKEN_SERVICE_OWNER", ""),
    # Operations outside Broker's policies that take an Altinn token (`x-altinn-scopes`: Altinn Events, the token
    # refresh): Digdir, the test resource's owner, with altinn:events.subscribe.
    "Events": os.environ.get("SCHEMATHESIS_TOKEN_EVENTS", ""),
}
TRANSFERS = [t for t in os.environ.get("SCHEMATHESIS_TRANSFERS", "").split(",") if t]
PARTIALS = [p for p in os.environ.get("SCHEMATHESIS_PARTIALS", "").split(",") if p]
RESOURCE = os.environ.get("SCHEMATHESIS_RESOURCE", "")


def pick(generated, fixtures):
    """The generated value or one of the fixtures, chosen by a hash of the generated value."""
    options = [generated, *fixtures]
    digest = hashlib.sha256(repr(generated).encode()).digest()
    return options[digest[0] % len(options)]


def replace(values, name, fixtures):
    if values and name in values and fixtures:
        values[name] = pick(values[name], fixtures)


@schemathesis.hook
def before_call(context, case, kwargs):
    definition = getattr(case.operation, "definition", None)
    raw = getattr(definition, "raw", None) or {}
    policy = raw.get("x-altinn-policy")
    if policy is None and "x-altinn-scopes" in raw:
        policy = "Events"
    if policy in TOKENS:
        if case.headers is None:
            case.headers = {}
        generated = next((v for k, v in case.headers.items() if k.lower() == "authorization"), None)
        for key in [k for k in case.headers if k.lower() == "authorization"]:
            del case.headers[key]
        token = f"Bearer {TOKENS[policy]}"
        case.headers["Authorization"] = token if generated is None else pick(generated, [token] * 3)
    # tusdotnet answers a bare 404 to a request without `Tus-Resumable`: mostly send the one version it speaks.
    if "/tus/" in case.operation.path and case.method.upper() != "OPTIONS":
        if case.headers is None:
            case.headers = {}
        # Keyed on the whole generated case: an absent header alone would always hash the same.
        generated = case.headers.get("Tus-Resumable")
        chosen = pick((generated, case.path_parameters, case.query, repr(case.body)), ["1.0.0"] * 3)
        if isinstance(chosen, str):
            case.headers["Tus-Resumable"] = chosen
    replace(case.path_parameters, "fileTransferId", TRANSFERS)
    replace(case.query, "fileTransferId", TRANSFERS)
    replace(case.path_parameters, "partialId", PARTIALS * 3)
    replace(case.path_parameters, "resourceId", [RESOURCE] * 3 if RESOURCE else [])
    replace(case.query, "resourceId", [RESOURCE] * 3 if RESOURCE else [])
