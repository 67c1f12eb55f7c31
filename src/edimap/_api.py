"""``edimap.read`` and ``edimap.write``: every format behind one pair of calls."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

import attrs

from edimap import formats
from edimap._detect import check_format_name, detect_format
from edimap._limits import TOO_LARGE, input_limit
from edimap._notes import NOT_CARRIED, collecting
from edimap._streaming import read_stream
from edimap.findings import (
    Finding,
    InputError,
    Location,
    Severity,
    SourceError,
    UsageError,
    has_errors,
    register,
)
from edimap.formats.base import Item
from edimap.model import Document
from edimap.profiles import Profile, ProfileSet
from edimap.profiles.apply import identities, severities, writing_defaults

__all__ = ["FORMATS", "Item", "ReadResult", "detect_format", "load_bytes", "read", "validate",
           "write"]

FORMATS = formats.BUILTIN
"""The names of edimap's own formats (``edimap.formats.names()`` also lists plug-ins)."""

@attrs.frozen(kw_only=True)
class ReadResult:
    """What :func:`read` found: every item with its findings, and input-level findings.

    Iterating a result yields the documents that read without errors.
    """

    format: str | None
    items: tuple[Item, ...] = ()
    findings: tuple[Finding, ...] = ()
    source: str | None = None

    @property
    def documents(self) -> tuple[Document, ...]:
        """The documents that read without an error-level finding."""
        return tuple(i.document for i in self.items if i.ok and i.document is not None)

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        """Input-level findings, then each item's, in input order."""
        out = list(self.findings)
        for item in self.items:
            out.extend(item.findings)
        return tuple(out)

    @property
    def ok(self) -> bool:
        """True when nothing in the input has an error-level finding."""
        return not has_errors(self.all_findings)

    def raise_for_errors(self) -> None:
        """Raise :class:`~edimap.InputError` carrying the findings if any is an error."""
        if not self.ok:
            errors = [f for f in self.all_findings if f.severity is Severity.ERROR]
            raise InputError(f"{len(errors)} error(s) in {self.source or 'the input'}: "
                             f"{errors[0]}", self.all_findings)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)


Source = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]


def load_bytes(source: Source, max_bytes: int | None = None) -> tuple[bytes, str | None]:
    """The bytes of ``source`` and a name for it (its path, if it has one).

    With ``max_bytes``, at most ``max_bytes + 1`` bytes are read, so a caller can tell an
    input that is too large without holding all of it."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), None
    if isinstance(source, str | os.PathLike):
        from edimap._fs import open_binary

        path = os.fspath(source)
        try:
            with open_binary(path) as fh:
                return (fh.read() if max_bytes is None else fh.read(max_bytes + 1)), path
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    read_fn = getattr(source, "read", None)
    if callable(read_fn):
        try:
            data = read_fn() if max_bytes is None else read_fn(max_bytes + 1)
        except OSError as exc:
            raise SourceError(f"cannot read the input: {exc}") from None
        if not isinstance(data, bytes):
            raise UsageError("read() needs a binary file (open it with 'rb')")
        return data, getattr(source, "name", None) if isinstance(
            getattr(source, "name", None), str) else None
    raise UsageError(f"cannot read from {type(source).__name__}: pass bytes, a path or a "
                     "binary file")


ProfileSpec = str | os.PathLike[str] | Profile | ProfileSet | None
"""A profile: a built-in name (``strict``, ``tolerant``), a profile file's path, a
:class:`~edimap.profiles.Profile`, or a :class:`~edimap.profiles.ProfileSet`."""

OUT_OF_MEMORY = register(
    "IO-LIMIT-MEMORY", Severity.ERROR,
    "edimap ran out of memory with this input (it holds an input and its documents in "
    "memory while it reads and writes them); the others go on.",
    "Give the process more memory, split the input (EDIFACT: by interchange), or lower "
    "--max-input-size so that such inputs are refused before they are read.",
    example="a 100 MB interchange under a 2 GiB address-space limit")


def out_of_memory(what: str, name: str | None) -> Finding:
    """The ``IO-LIMIT-MEMORY`` finding for ``what`` (``reading 104857600 bytes``)."""
    return OUT_OF_MEMORY(f"ran out of memory {what}", Location(source=name))


def read(source: Source, *, format: str = "auto",
         max_input_bytes: int | None = None, profile: ProfileSpec = None,
         profiles: str | os.PathLike[str] | None = None) -> ReadResult:
    """Read every document in ``source`` (bytes, a path, or a binary file).

    Each message is read under a profile (:mod:`edimap.profiles`): the one in the folder
    ``profiles`` whose ``[match]`` names its sender, else ``profile`` (``strict`` when
    None). ``profile="tolerant"`` accepts wrong check digits, placeholders and code values
    as sent, with warnings.

    Bad content never raises: each message or document becomes an :class:`Item` with its
    findings, and the result says what converted. Only bad *use* (an unknown format name, a
    file that cannot be opened) raises an :class:`~edimap.EdimapError`. An input larger than
    ``max_input_bytes`` (default: ``EDIMAP_MAX_INPUT_BYTES``, else 256 MiB; the same for
    every format) is a finding (``IO-LIMIT-SIZE``); read large inputs one document at a
    time with :func:`edimap.iter_read`, which this collects.
    """
    check_format_name(format)
    chosen = ProfileSet.of(profile, profiles)
    with input_limit(max_input_bytes) as limit:
        data, name = load_bytes(source, limit)
        return _read_loaded(data, name, format, limit, chosen)


def _read_loaded(data: bytes, name: str | None, format: str,
                 max_input_bytes: int, profiles: ProfileSet) -> ReadResult:
    """``read`` of bytes already loaded (``validate`` checks the same bytes afterwards, so
    a source such as standard input is read once)."""
    if len(data) > max_input_bytes:
        return ReadResult(format=None, source=name, findings=(TOO_LARGE(
            f"the input is larger than {max_input_bytes} bytes", Location(source=name)),))
    try:
        with read_stream(io.BytesIO(data), name, format, max_input_bytes, profiles) as stream:
            items = tuple(stream)
        return ReadResult(format=stream.format, items=items, findings=tuple(stream.findings),
                          source=name)
    except MemoryError:  # what was read is freed as this unwinds
        return ReadResult(format=None, source=name, findings=(out_of_memory(
            f"reading {len(data)} bytes", name),))


def validate(source: Source, *, format: str = "auto", rules: bool = True,
             explain: bool = False, profile: ProfileSpec = None,
             profiles: str | os.PathLike[str] | None = None,
             max_input_bytes: int | None = None) -> list[Finding]:
    """Every finding about ``source``: envelope and structure (EDIFACT), the official XSD
    and, with ``rules``, the official OIOUBL rules (UBL, when installed; otherwise edimap's
    native subset of them), identifiers and reading. An empty list or only warnings and
    infos means the input is fine. ``explain`` adds xmlschema's explanation of each XSD
    error (slower; only for documents that fail). ``profile``, ``profiles`` and
    ``max_input_bytes`` as for :func:`read` (the profiles set the severities of the
    reading findings)."""
    check_format_name(format)
    chosen = ProfileSet.of(profile, profiles)
    with input_limit(max_input_bytes) as limit:
        data, name = load_bytes(source, limit)
        return _validate_loaded(data, name, format, rules, explain, limit, chosen)


def _validate_loaded(data: bytes, name: str | None, format: str, rules: bool,
                     explain: bool, limit: int, chosen: ProfileSet) -> list[Finding]:
    result = _read_loaded(data, name, format, limit, chosen)
    findings = list(result.all_findings)
    if result.format is not None:
        # The format's own checks at the severities of the (first) document's profile.
        first = result.items[0] if result.items else None
        profile = chosen.select(identities(first) if first else ())[0]
        try:
            checked = formats.get(result.format).validate(data, name, rules=rules,
                                                          explain=explain)
        except MemoryError:
            checked = [out_of_memory(f"checking {len(data)} bytes", name)]
        findings.extend(severities(profile, checked))
    return findings


def write(
    documents: Document | Iterable[Document], *, format: str,
    findings: list[Finding] | None = None, profile: ProfileSpec = None, **options: Any
) -> bytes:
    """Write ``documents`` in ``format`` and return the bytes.

    ``json``: one document gives an object, several an array (``indent`` option, default 2).
    ``profile`` (a :class:`~edimap.profiles.Profile`, a built-in name or a file; a
    :class:`~edimap.profiles.ProfileSet`'s default) supplies the own company where a
    document leaves it out, each with a ``DEFAULT-APPLIED`` finding in ``findings``, and
    says which findings are tolerated: an EANCOM writer writes a GLN or GTIN that fails
    its check digit as sent only when ``EANCOM-GLN`` / ``EANCOM-GTIN`` is (else it leaves
    it out, reported as below).
    A value the format has no place for is left out and reported: as a
    ``WRITE-NOT-CARRIED`` warning in ``findings`` when it is given, else as an
    :class:`edimap.NotCarriedWarning` Python warning. A document the format cannot be
    written from (it lacks content the format requires) raises
    :class:`~edimap.ValidationError` naming each field.
    """
    if profile is not None:
        chosen = ProfileSet.of(profile).default
        one = isinstance(documents, Document)
        supplied = [writing_defaults(chosen, d) for d in (
            [documents] if isinstance(documents, Document) else documents)]
        if findings is not None:
            findings.extend(f for _, fs in supplied for f in fs)
        given: Document | list[Document] = supplied[0][0] if one else [
            d for d, _ in supplied]
        if "tolerated" in formats.get(format).writer_options:
            options.setdefault("tolerated", chosen.tolerated)
        return write(given, format=format, findings=findings, **options)
    if findings is not None:
        with collecting() as notes:
            data = write(documents, format=format, **options)
        findings.extend(NOT_CARRIED(f"{path} is not written to {format} as it is: {message}",
                                    Location(field=path)) for path, message in notes)
        return data
    writer = formats.get(format)
    docs: Document | Sequence[Document]
    if isinstance(documents, Document):
        docs = documents
    else:
        docs = list(documents)
        for i, doc in enumerate(docs):
            if not isinstance(doc, Document):
                raise UsageError(f"documents[{i}] is a {type(doc).__name__}, not a document")
    return writer.write(docs, **options)
