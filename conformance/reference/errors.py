"""The API errors the reference server answers with: one exception class per error row.

Every class is built from a row of ``conformance.contract`` (status, Code, Message), so no
code or message is spelled here. A handler raises one; the HTTP layer renders it (``wire``).
"""

from __future__ import annotations

from typing import ClassVar

from conformance import contract
from conformance.contract import ErrorRow


class ApiError(Exception):
    """An error answer: HTTP status, ``Code`` and ``Message`` from one contract row."""

    row: ClassVar[ErrorRow] = contract.INTERNAL_ERROR

    def __init__(self, message: str | None = None) -> None:
        self.message = message if message is not None else self.row.message
        super().__init__(f"{self.row.code}: {self.message}")

    @property
    def status(self) -> int:
        return self.row.status

    @property
    def code(self) -> str:
        return self.row.code


class MissingParameter(ApiError):
    """400 MissingParameter naming the parameter (IKP-N1, IKP-K1, IKP-G1)."""

    row = contract.MISSING_PARAMETER

    def __init__(self, name: str) -> None:
        self.parameter = name
        super().__init__(contract.missing_parameter_message(name))


class InvalidParameter(ApiError):
    """400 InvalidParameter naming the parameter."""

    row = contract.INVALID_PARAMETER

    def __init__(self, name: str) -> None:
        self.parameter = name
        super().__init__(contract.INVALID_PARAMETER.message.format(name=name))


class SignatureDoesNotMatch(ApiError):
    """400 SignatureDoesNotMatch; the message ends with the server's StringToSign (legacy SDK parses it)."""

    row = contract.SIGNATURE_DOES_NOT_MATCH

    def __init__(self, string_to_sign: str) -> None:
        self.string_to_sign = string_to_sign
        super().__init__(contract.SIGNATURE_DOES_NOT_MATCH.message.format(string_to_sign=string_to_sign))


class InternalError(ApiError):
    row = contract.INTERNAL_ERROR


class InvalidKeyPairName(ApiError):
    row = contract.INVALID_KEY_PAIR_NAME


class QuotaExceeded(ApiError):
    row = contract.QUOTA_EXCEEDED


class InvalidPublicKeyBody(ApiError):
    row = contract.INVALID_PUBLIC_KEY_BODY


class KeyPairAlreadyExists(ApiError):
    row = contract.KEY_PAIR_ALREADY_EXISTS


class ResourceGroupNotFound(ApiError):
    row = contract.RESOURCE_GROUP_NOT_FOUND


class RegionNotFound(ApiError):
    row = contract.REGION_NOT_FOUND


class InvalidTagKey(ApiError):
    row = contract.INVALID_TAG_KEY


class InvalidTagValue(ApiError):
    row = contract.INVALID_TAG_VALUE


class DuplicateTagKey(ApiError):
    row = contract.DUPLICATE_TAG_KEY


class InvalidTagCount(ApiError):
    row = contract.INVALID_TAG_COUNT


class InvalidKeyPairNames(ApiError):
    row = contract.INVALID_KEY_PAIR_NAMES


class IncompleteSignature(ApiError):
    row = contract.INCOMPLETE_SIGNATURE


class AccessKeyNotFound(ApiError):
    row = contract.ACCESS_KEY_NOT_FOUND


class SignatureNonceUsed(ApiError):
    row = contract.SIGNATURE_NONCE_USED


class TimestampExpired(ApiError):
    row = contract.TIMESTAMP_EXPIRED


class TimestampFormat(ApiError):
    row = contract.TIMESTAMP_FORMAT


class ActionNotFound(ApiError):
    row = contract.ACTION_NOT_FOUND


class InvalidVersion(ApiError):
    row = contract.INVALID_VERSION


class UnsupportedHttpMethod(ApiError):
    row = contract.UNSUPPORTED_HTTP_METHOD


class RequestTooLarge(ApiError):
    row = contract.REQUEST_TOO_LARGE
