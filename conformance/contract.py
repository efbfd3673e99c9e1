"""The ImportKeyPair contract as data: requirements, error table, limits.

This module is the one home of every number, error code and documented message the
suite and the reference server use (rendered as ``conformance/docs/requirements.md``). Strategies, the oracle,
the reports and the reference server read them from here; no other module spells
``"QuotaExceed.KeyPair"`` or ``128``.

It holds *data only*: no validation logic lives here, so the reference server and
the oracle can share it without sharing a bug. It is over 400 lines because the requirement
table (every rule with its tier and the doc sentence it rests on) and the error table are one
source of truth each; split, they would be read from several places.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

API_VERSION = "2014-05-26"
ACTION_IMPORT = "ImportKeyPair"
ACTION_DESCRIBE = "DescribeKeyPairs"
ACTION_DELETE = "DeleteKeyPairs"

DEFAULT_REGION = "cn-hangzhou"
DEFAULT_OTHER_REGION = "cn-shanghai"


class Tier(StrEnum):
    """How a requirement counts towards the verdict (requirements.md, "Tiers")."""

    CORE = "Core"
    EXTENDED = "Extended"
    PROFILE = "Profile"


@dataclass(frozen=True)
class Requirement:
    """One requirement of the contract: its ID, tier, group, the rule, and the doc sentence it rests on."""

    id: str
    tier: Tier
    group: str
    text: str
    quote: str


# -- limits (ImportKeyPair.md, "Request parameters" / "Description") -------------------------
NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 128
NAME_EXTRA_CHARACTERS = ":_-"  # besides ASCII letters and digits (IKP-N4)


def name_marks(name: str) -> dict[str, str]:
    """What in a valid ``name`` a target could misread, each with the rule it tests: a length
    at an edge (IKP-N2), a capital first (IKP-N3), each digit or extra character after the
    first (IKP-N4), as ``{"length-128": "IKP-N2", "char-:": "IKP-N4", ...}``. A target seen
    accepting a name with a mark has honoured that mark (``TargetModel`` keeps them), so the
    marks of a rejected valid name that were never honoured say which rule it misread."""
    marks: dict[str, str] = {}
    if len(name) in (NAME_MIN_LENGTH, NAME_MAX_LENGTH):
        marks[f"length-{len(name)}"] = "IKP-N2"
    if name[:1].isupper():
        marks["first-upper"] = "IKP-N3"
    for char in name[1:]:
        if char.isdigit() and char.isascii():
            marks["digit"] = "IKP-N4"
        elif char in NAME_EXTRA_CHARACTERS:
            marks[f"char-{char}"] = "IKP-N4"
    return marks


NAME_PROFILE_EXTRA_CHARACTERS = "."  # current docs only (IKP-N5)
FORBIDDEN_NAME_PREFIXES = ("http://", "https://")

TAG_MAX_COUNT = 20
TAG_KEY_MIN_LENGTH = 1
TAG_KEY_MAX_LENGTH = 128
TAG_VALUE_MIN_LENGTH = 0
TAG_VALUE_MAX_LENGTH = 128
TAG_KEY_FORBIDDEN_PREFIXES = ("acs:", "aliyun")
TAG_VALUE_FORBIDDEN_PREFIXES_SEED = ("acs:",)  # seed only; dropped later (IKP-TG3)
TAG_FORBIDDEN_SUBSTRINGS = ("http://", "https://")

KEY_PAIRS_PER_REGION = 500

DESCRIBE_PAGE_SIZE_MAX = 50
DESCRIBE_PAGE_SIZE_DEFAULT = 10
DELETE_NAMES_MAX = 100

TIMESTAMP_SKEW_SECONDS = 15 * 60  # IKP-X3: InvalidTimeStamp.Expired beyond this
MAX_REQUEST_BODY_BYTES = 1024 * 1024

# -- key types (ImportKeyPair.md, "Description"; IKP-K2) --------------------------------------
PLAIN_KEY_TYPES = (
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
)
CERTIFICATE_KEY_TYPES = (
    "ssh-rsa-cert-v00@openssh.com",
    "ssh-dss-cert-v00@openssh.com",
    "ssh-rsa-cert-v01@openssh.com",
    "ssh-dss-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
)
DOCUMENTED_KEY_TYPES = PLAIN_KEY_TYPES + CERTIFICATE_KEY_TYPES
RSA_KEY_SIZES = (1024, 2048, 3072, 4096)
DSA_KEY_SIZE = 1024
ECDSA_CURVES = {"nistp256": 256, "nistp384": 384, "nistp521": 521}
UNDOCUMENTED_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-ed448",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-256",
    "rsa-sha2-512",
    "ssh-ed25519-cert-v01@openssh.com",
)
FINGERPRINT_DIGEST_BYTES = 16  # MD5, RFC 4716 section 4 (IKP-R2)


@dataclass(frozen=True)
class ErrorRow:
    """One documented error: HTTP status, Code and Message (ImportKeyPair.md, "Error codes")."""

    status: int
    code: str
    message: str


def _row(status: int, code: str, message: str) -> ErrorRow:
    return ErrorRow(status, code, message)


# The ImportKeyPair error table, plus the rows the contract adopts from the surrounding API.
INVALID_KEY_PAIR_NAME = _row(400, "InvalidKeyPairName.Malformed", "Specified Key Pair name is not valid.")
QUOTA_EXCEEDED = _row(403, "QuotaExceed.KeyPair", "The key pair quota exceeds.")
INVALID_PUBLIC_KEY_BODY = _row(
    400, "InvalidPublicKeyBody.Malformed", "The PublicKeyBody format is not supported."
)
MISSING_PARAMETER = _row(
    400,
    "MissingParameter",
    'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
)
KEY_PAIR_ALREADY_EXISTS = _row(400, "KeyPair.AlreadyExist", "The key pair already exist.")
INTERNAL_ERROR = _row(500, "InternalError", "The request processing has failed due to some unknown error.")
RESOURCE_GROUP_NOT_FOUND = _row(
    404, "InvalidResourceGroup.NotFound", "The ResourceGroup provided does not exist in our records."
)
# Undocumented for ImportKeyPair; the contract accepts any 4xx with a Code (IKP-G2, IKP-TG2).
# These are the codes the reference server uses (older docs; CreateKeyPair's table).
REGION_NOT_FOUND = _row(404, "InvalidRegionId.NotFound", "The specified RegionId does not exist.")
INVALID_TAG_KEY = _row(400, "InvalidTagKey.Malformed", "The specified Tag.n.Key is not valid.")
INVALID_TAG_VALUE = _row(400, "InvalidTagValue.Malformed", "The specified Tag.n.Value is not valid.")
DUPLICATE_TAG_KEY = _row(400, "Duplicate.TagKey", "The Tag.N.Key contain duplicate key.")
INVALID_TAG_COUNT = _row(400, "InvalidTagCount", "The specified tags are beyond the permitted range.")
# Surrounding API (the DescribeKeyPairs/DeleteKeyPairs references and the common error body).
INVALID_KEY_PAIR_NAMES = _row(
    400, "InvalidKeyPairNames.ValueNotSupported", 'The specified parameter "KeyPairNames" is not valid.'
)
INVALID_PARAMETER = _row(400, "InvalidParameter", 'The specified parameter "{name}" is not valid.')
SIGNATURE_DOES_NOT_MATCH = _row(
    400,
    "SignatureDoesNotMatch",
    "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}",
)
INCOMPLETE_SIGNATURE = _row(
    400, "IncompleteSignature", "The request signature does not conform to Aliyun standards."
)
ACCESS_KEY_NOT_FOUND = _row(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
SIGNATURE_NONCE_USED = _row(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
TIMESTAMP_EXPIRED = _row(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
TIMESTAMP_FORMAT = _row(
    400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."
)
ACTION_NOT_FOUND = _row(
    404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."
)
INVALID_VERSION = _row(400, "InvalidVersion", "Specified parameter Version is not valid.")
UNSUPPORTED_HTTP_METHOD = _row(403, "UnsupportedHTTPMethod", "This http method is not supported.")
REQUEST_TOO_LARGE = _row(413, "RequestEntityTooLarge", "The request body is too large.")
THROTTLING = _row(400, "Throttling", "Request was denied due to request throttling.")
SERVICE_UNAVAILABLE = _row(
    503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."
)

# The signature errors of the common parameters (IKP-X3): who a wrong one is charged to.
SIGNATURE_ERROR_CODES = frozenset(
    row.code
    for row in (
        SIGNATURE_DOES_NOT_MATCH,
        INCOMPLETE_SIGNATURE,
        ACCESS_KEY_NOT_FOUND,
        SIGNATURE_NONCE_USED,
        TIMESTAMP_EXPIRED,
        TIMESTAMP_FORMAT,
    )
)

IMPORT_ERROR_TABLE = (
    INVALID_KEY_PAIR_NAME,
    QUOTA_EXCEEDED,
    INVALID_PUBLIC_KEY_BODY,
    MISSING_PARAMETER,
    KEY_PAIR_ALREADY_EXISTS,
    INTERNAL_ERROR,
    RESOURCE_GROUP_NOT_FOUND,
)
ERRORS_BY_CODE = {
    row.code: row
    for row in (
        *IMPORT_ERROR_TABLE,
        REGION_NOT_FOUND,
        INVALID_TAG_KEY,
        INVALID_TAG_VALUE,
        DUPLICATE_TAG_KEY,
        INVALID_TAG_COUNT,
        INVALID_KEY_PAIR_NAMES,
        INVALID_PARAMETER,
        SIGNATURE_DOES_NOT_MATCH,
        INCOMPLETE_SIGNATURE,
        ACCESS_KEY_NOT_FOUND,
        SIGNATURE_NONCE_USED,
        TIMESTAMP_EXPIRED,
        TIMESTAMP_FORMAT,
        ACTION_NOT_FOUND,
        INVALID_VERSION,
        UNSUPPORTED_HTTP_METHOD,
        REQUEST_TOO_LARGE,
        THROTTLING,
        SERVICE_UNAVAILABLE,
    )
}


def missing_parameter_message(name: str) -> str:
    """The documented MissingParameter text naming ``name`` (IKP-R3)."""
    return MISSING_PARAMETER.message.format(name=name)


# Regions the reference server knows (the public ECS region list).
KNOWN_REGIONS = (
    "cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou",
    "cn-shanghai", "cn-nanjing", "cn-fuzhou", "cn-shenzhen", "cn-heyuan", "cn-guangzhou",
    "cn-chengdu", "cn-hongkong", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1",
    "ap-southeast-2", "ap-southeast-3", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
    "us-east-1", "us-west-1", "eu-west-1", "eu-central-1", "me-east-1",
)  # fmt: skip
DEFAULT_RESOURCE_GROUP = "rg-acfmdefault0001"


# -- the requirements (rendered by requirements_doc.py) -----------------------------------------
_NAME_QUOTE = (
    "The name must be globally unique. It must be 2 to 128 characters in length. It must start "
    "with a letter and cannot start with http:// or https://. It can contain letters, digits, "
    "colons (:), underscores (_), and hyphens (-)."
)
_KEY_QUOTE = "The key pair to be imported must support one of the following encryption methods: ..."
_TAG_KEY_QUOTE = (
    "Valid values of N: 1 to 20. The tag key cannot be an empty string. It can be up to 128 "
    "characters in length. It cannot start with acs: or aliyun, or contain http:// or https://."
)
_TAG_VALUE_QUOTE = (
    "The tag value can be an empty string. It can be up to 128 characters in length and cannot "
    "start with acs: or contain http:// or https://."
)

_C, _E, _P = Tier.CORE, Tier.EXTENDED, Tier.PROFILE

REQUIREMENTS: tuple[Requirement, ...] = (
    # Transport
    Requirement("IKP-T1", _C, "transport",
                "RPC on path /: GET query, POST query, POST form body (or split), and V3-signed "
                "requests with x-acs-action/x-acs-version headers all work.",
                "https://ecs.aliyuncs.com/?Action=ImportKeyPair&RegionId=cn-qingdao&..."),
    Requirement("IKP-T2", _C, "transport",
                "Format=JSON gives JSON, Format=XML gives XML (case-insensitive); absent Format: "
                "JSON or XML (Profile). The body is judged, not Content-Type: a header that "
                "contradicts the body is a warning.",
                "Sample success responses: XML format ... JSON format"),
    Requirement("IKP-T3", _C, "transport",
                "Every response, success or error, carries a non-empty RequestId.",
                "RequestId: The ID of the request."),
    Requirement("IKP-T4", _C, "transport",
                "Error bodies are {RequestId, Code, Message} (XML root <Error>); success XML root "
                "<ImportKeyPairResponse>; error status is 4xx/5xx, never 200.",
                "<ImportKeyPairResponse> ... </ImportKeyPairResponse>"),
    Requirement("IKP-T5", _C, "transport",
                "A target never answers 5xx (InternalError) to a client mistake.",
                "500 InternalError: an internal error has occurred. Try again later."),
    # Success response
    Requirement("IKP-R1", _C, "response",
                "Success is HTTP 200 with RequestId, KeyPairName (equal to the name sent) and "
                "KeyPairFingerPrint.",
                "Response parameters: KeyPairFingerPrint, KeyPairName, RequestId"),
    Requirement("IKP-R2", _C, "response",
                "KeyPairFingerPrint is MD5 over the decoded SSH key blob, 16 lowercase hex pairs "
                "joined by ':' or (observed on real ECS) the same 32 hex digits without colons "
                "(Profile records which); for certificates: the certified key's or the whole "
                "blob's (Profile).",
                "The message-digest algorithm 5 (MD5) is used based on the public key fingerprint "
                "format defined in RFC 4716."),
    Requirement("IKP-R3", _C, "response",
                "Error Message equals the documented text for the code (a warning unless "
                "--strict-messages).",
                "Error codes: HTTP status code | Error code | Error message"),
    # KeyPairName
    Requirement("IKP-N1", _C, "names",
                "KeyPairName absent -> 400 MissingParameter; empty -> MissingParameter or "
                "InvalidKeyPairName.Malformed.",
                "KeyPairName | String | Required: Yes"),
    Requirement("IKP-N2", _C, "names",
                "Length 2..128: 1 and 129+ -> 400 InvalidKeyPairName.Malformed; 2 and 128 accepted.",
                _NAME_QUOTE),
    Requirement("IKP-N3", _C, "names",
                "First character an ASCII letter: accepted; a digit, ':', '_', '-' or any other "
                "non-letter -> InvalidKeyPairName.Malformed.",
                _NAME_QUOTE),
    Requirement("IKP-N4", _C, "names",
                "Other characters: letters, digits, ':', '_', '-' accepted; anything else (space, "
                "'/', '@', quotes, controls, emoji, ...) -> InvalidKeyPairName.Malformed.",
                _NAME_QUOTE),
    Requirement("IKP-N5", _P, "names",
                "Non-ASCII letters anywhere, non-ASCII digits and numbers after the first "
                "character, and '.', are accepted or InvalidKeyPairName.Malformed.",
                "(current docs) Unicode letter category (including ... digits) ... periods (.)"),
    Requirement("IKP-N6", _C, "names",
                "A name that already exists in the region -> 400 KeyPair.AlreadyExist.",
                "400 KeyPair.AlreadyExist: a key pair with the same name already exists."),
    Requirement("IKP-N7", _P, "names",
                "Names differing only in case: distinct or duplicates; the same name in another "
                "region: allowed or KeyPair.AlreadyExist.",
                "The name must be globally unique."),
    # PublicKeyBody
    Requirement("IKP-K1", _C, "keys",
                "PublicKeyBody absent or empty -> 400 MissingParameter.",
                '400 MissingParameter: The input parameter "PublicKeyBody" that is mandatory for '
                "processing this request is not supplied."),
    Requirement("IKP-K2", _C, "keys",
                "Every documented type (ssh-rsa 1024-4096, ssh-dss, ECDSA P-256/384/521, the v00 "
                "certificates signed by RSA or DSA CAs, the v01 certificates signed by RSA, DSA, "
                "ECDSA or Ed25519 CAs) is accepted in OpenSSH one-line form, with the right "
                "fingerprint.",
                _KEY_QUOTE),
    Requirement("IKP-K3", _C, "keys",
                "Structurally broken bodies (not a key, bad base64, truncated, trailing bytes, "
                "type mismatch, curve mismatch, off-curve point, undocumented types, private keys, "
                "certificates whose inner type, key or layout is wrong) -> 400 "
                "InvalidPublicKeyBody.Malformed. Structural only: no numbers are judged.",
                "400 InvalidPublicKeyBody.Malformed: The PublicKeyBody format is not supported."),
    Requirement("IKP-K4", _P, "keys",
                "RFC 4716 and PEM (PKCS#1, SubjectPublicKeyInfo) encodings: accepted with the SSH "
                "blob fingerprint, or InvalidPublicKeyBody.Malformed.",
                _KEY_QUOTE),
    Requirement("IKP-K5", _P, "keys",
                "Whitespace variations, options prefixes, two keys, RSA outside 1024..4096, RSA "
                "exponents or moduli no real key has, unusual DSA parameters, non-minimal mpints, "
                "bad CA signatures or validity windows, v00 certificates signed by ECDSA or "
                "Ed25519 CAs: accepted or Malformed (any key field that parses structurally but "
                "holds such numbers).",
                _KEY_QUOTE),
    # RegionId and ResourceGroupId
    Requirement("IKP-G1", _C, "regions",
                "RegionId absent or empty -> 400 MissingParameter.",
                "RegionId | String | Required: Yes"),
    Requirement("IKP-G2", _C, "regions",
                "Unknown RegionId -> a 4xx error with a non-empty Code.",
                "(older docs) 404 InvalidRegionId.NotFound: The specified RegionId does not exist."),
    Requirement("IKP-G3", _C, "regions",
                "A known ResourceGroupId is accepted; any other non-empty id -> 404 "
                "InvalidResourceGroup.NotFound.",
                "404 InvalidResourceGroup.NotFound: The ResourceGroup provided does not exist in "
                "our records."),
    # Tags
    Requirement("IKP-TG1", _C, "tags",
                "Up to 20 tags, keys 1..128 characters, values 0..128 characters: accepted.",
                _TAG_KEY_QUOTE),
    Requirement("IKP-TG2", _C, "tags",
                "Empty key, key over 128, key starting acs:/aliyun, key or value containing "
                "http(s)://, value over 128, N=0 or N>20, a value without its key -> a 4xx error.",
                _TAG_KEY_QUOTE + " " + _TAG_VALUE_QUOTE),
    Requirement("IKP-TG3", _P, "tags",
                "A value starting with acs:, and the same key twice: accepted or a 4xx error.",
                _TAG_VALUE_QUOTE),
    # State
    Requirement("IKP-S1", _C, "state",
                "500 key pairs per region: the 500th import succeeds, the 501st -> 403 "
                "QuotaExceed.KeyPair; other regions are unaffected.",
                "A maximum of 500 key pairs can be created in each region."),
    Requirement("IKP-S2", _C, "state",
                "A rejected import stores nothing: the same name then imports successfully.",
                "(error table) the request is rejected."),
    Requirement("IKP-S3", _C, "state",
                "Concurrent imports of one new name: exactly one succeeds; concurrent imports at "
                "the quota never exceed 500.",
                "Key pair names must be unique. A maximum of 500 key pairs ... in each region."),
    # Extended
    Requirement("IKP-X1", _E, "extended",
                "DescribeKeyPairs shows an imported key pair with its name, fingerprint (either "
                "form of IKP-R2), resource group ('' or any non-empty id when none was sent) and "
                "tags (extra acs:/aliyun system tags allowed).",
                "DescribeKeyPairs: KeyPairs.KeyPair[] with KeyPairName, KeyPairFingerPrint, "
                "ResourceGroupId, Tags.Tag[]"),
    Requirement("IKP-X2", _E, "extended",
                "After DeleteKeyPairs the name can be imported again and the quota slot is free.",
                "DeleteKeyPairs: KeyPairNames, a JSON array of up to 100 key pair names."),
    Requirement("IKP-X3", _E, "extended",
                "Correct V1 and V3 signatures are accepted; a wrong signature, unknown AccessKeyId, "
                "reused nonce and stale timestamp are rejected with their codes.",
                "Signature / SignatureNonce / Timestamp (common parameters)"),
)  # fmt: skip

REQUIREMENTS_BY_ID = {req.id: req for req in REQUIREMENTS}


def requirement(req_id: str) -> Requirement:
    """The requirement ``req_id``; a KeyError names an ID that the contract does not have."""
    return REQUIREMENTS_BY_ID[req_id]


def core_ids() -> tuple[str, ...]:
    """IDs that must all be exercised and pass for a conformant verdict."""
    return tuple(r.id for r in REQUIREMENTS if r.tier is Tier.CORE)
