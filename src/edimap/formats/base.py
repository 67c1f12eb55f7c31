"""The contract of a format plug-in, and the :class:`Item` every reader returns.

A format is one object that knows one kind of file:

- ``name`` — what users type (``--to NAME``, ``edimap.write(…, format=NAME)``);
- ``extension`` — the file extension of its output files, without the dot;
- ``detect(head)`` — whether content that starts with ``head`` is in this format;
- ``read(data, source)`` — every document of an input as :class:`Item`\\ s, plus findings
  about the input as a whole; never raises on bad content;
- ``write(documents, **options)`` — the bytes of one output file; raises
  :class:`~edimap.EdimapError` (a :class:`~edimap.ValidationError` naming the field) for a
  document it cannot write; ``writer_options`` names the options it takes;
- ``validate(data, source, *, rules, explain)`` — the checks of this format beyond reading
  it (an official schema, rule sets); none by default; ``value_at(data, location)`` — the
  value one of its findings points at, ``line_at(location)`` — the line it is in;
- ``output_name(document)`` — the file one document is written to
  (``Order-4500012345.xml``; ``written_as_other_kind`` says when a negative invoice is
  written as a credit note); ``one_document_per_file`` when the format cannot hold more
  than one document in a file.

Formats register with :func:`edimap.formats.register`; edimap's own are ``json``,
``eancom`` and ``oioubl``, one module each beside this one.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from typing import IO, Any, ClassVar

import attrs

from edimap.findings import Finding, Location, has_errors
from edimap.model import Document

__all__ = ["FILE_KINDS", "DocumentSink", "Format", "Item", "PartReading", "safe_file_id"]

FILE_KINDS = {"order": "Order", "invoice": "Invoice", "credit_note": "CreditNote",
              "order_response": "OrderResponseSimple"}
"""Output files are named by the document's OIOUBL root element and its ID."""


def safe_file_id(document_id: str) -> str:
    """A document's ID as part of a file name: anything but letters, digits, ``-_.``
    becomes ``_``."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in document_id)


@attrs.frozen(kw_only=True)
class Item:
    """One message or document of the input, whether it converted or not.

    ``reference`` names it within the input: the EDIFACT message reference (UNH 0062), the
    XML document's ID, or ``[i]`` for the i-th object of a JSON array. An EDIFACT message
    also has the ``sender`` (UNB S002 0004) and ``interchange_ref`` (UNB 0020) of its
    interchange. ``profile`` names the profile it was read under, and ``profile_reason``
    says why that one (:mod:`edimap.profiles`).
    """

    index: int
    reference: str | None
    document: Document | None
    findings: tuple[Finding, ...] = ()
    sender: str | None = None
    interchange_ref: str | None = None
    profile: str | None = None
    profile_reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when the item converted and has no error-level finding."""
        return self.document is not None and not has_errors(self.findings)


class PartReading(abc.ABC):
    """What reading one part of a split input found besides its items (complete once
    they are)."""

    @property
    @abc.abstractmethod
    def envelope(self) -> list[Finding]:
        """Findings about the input around the items, in reading order."""

    @property
    @abc.abstractmethod
    def trailing(self) -> list[Finding]:
        """Findings a whole reading lists after all the envelope's (the tokenizer's)."""

    @property
    @abc.abstractmethod
    def exact(self) -> bool:
        """False when the part met what only a whole reading reports exactly."""


class DocumentSink(abc.ABC):
    """Writes documents one at a time into an open binary output; :meth:`close` ends the
    output (an empty one when no document came)."""

    independent_pieces: ClassVar[bool] = True
    """True when a document's :meth:`piece` does not depend on where it stands (other
    processes can then encode the documents of one output)."""

    def add(self, document: Document, **options: Any) -> None:
        """Write ``document`` after those before it; ``options``: the writer options of
        this document alone (its profile's, such as ``tolerated``), for a sink that takes
        them per document (this default does not)."""
        self.add_piece(self.piece(document))

    @abc.abstractmethod
    def piece(self, document: Document) -> bytes:
        """``document`` encoded as this sink writes it, wherever it stands (so that other
        processes can encode the documents of one output)."""

    @abc.abstractmethod
    def add_piece(self, piece: bytes) -> None:
        """Write a document :meth:`piece` made after those before it."""

    @abc.abstractmethod
    def close(self) -> None:
        """End the output (the output itself stays open)."""


class Format(abc.ABC):
    """One file format edimap reads and writes (see the module docstring)."""

    name: ClassVar[str]
    extension: ClassVar[str]
    one_document_per_file: ClassVar[bool] = False
    reads_with_profiles: ClassVar[bool] = False
    """True when ``read`` takes ``profiles=`` (a :class:`~edimap.profiles.ProfileSet`) to
    apply a partner's settings while mapping (EANCOM qualifier maps)."""
    streams: ClassVar[bool] = False
    """True when :meth:`stream` reads one document at a time (memory does not grow with
    the input, which is then not held to the input limit as a whole)."""
    carries_everything: ClassVar[bool] = False

    """True when the writer never refuses a document nor leaves a value out (the canonical
    JSON)."""
    writer_options: ClassVar[frozenset[str]] = frozenset()

    @abc.abstractmethod
    def detect(self, head: bytes) -> bool:
        """Whether content starting with ``head`` (BOM and leading white space removed,
        at most 4 KiB) is in this format."""

    @abc.abstractmethod
    def read(self, data: bytes, source: str | None) -> tuple[list[Item], list[Finding]]:
        """Every document of ``data`` as an item, and the findings about the input."""

    @abc.abstractmethod
    def write(self, documents: Document | Sequence[Document], **options: Any) -> bytes:
        """The bytes of one output file holding ``documents``."""

    def validate(self, data: bytes, source: str | None, *, rules: bool = True,
                 explain: bool = False) -> list[Finding]:
        """Checks beyond reading (schemas, rule sets); the readers' findings come apart."""
        return []

    def value_at(self, data: bytes, location: Location) -> str | None:
        """The value the output ``data`` holds where a finding of :meth:`validate` points,
        so a refusal can name the document's field it came from; None when unknown (this
        default: always)."""
        return None

    def line_at(self, location: Location) -> int | None:
        """The index of the document's line (``lines[n]``) that the output's element at
        ``location`` was written from, for a finding about a line as a whole; None when
        it is not in a line, or unknown (this default: always)."""
        return None

    def stream(self, source: IO[bytes], name: str | None, *, profiles: Any = None
               ) -> tuple[Iterator[Item], list[Finding]]:
        """The items of an open binary input one at a time, and the list the findings about
        the input as a whole go to as reading proceeds (complete once the items are).
        This default reads the whole input first; a format that can do better (EANCOM:
        message by message) overrides it."""
        data = source.read()
        items, findings = (self.read(data, name, profiles=profiles)  # type: ignore[call-arg]
                           if self.reads_with_profiles else self.read(data, name))
        return iter(items), findings

    def plan_split(self, path: str, parts: int, *, min_part_bytes: int) -> Any:
        """How to read the file ``path`` in up to ``parts`` parts of at least
        ``min_part_bytes`` at once, or None when it is read whole (this default: always)."""
        return None

    def stream_part(self, path: str, name: str | None, plan: Any, index: int, *,
                    profiles: Any = None) -> tuple[Iterator[Item], PartReading]:
        """The items of part ``index`` of :meth:`plan_split`'s ``plan``, one at a time."""
        raise NotImplementedError(f"{self.name} inputs are not read in parts")

    def sink(self, out: IO[bytes], **options: Any) -> DocumentSink | None:
        """A writer of this format that takes documents one at a time into ``out`` (the
        same bytes as :meth:`write` of them all, with the same ``options``), or None when
        the format has none."""
        return None

    def output_name(self, document: Document) -> str:
        """The name of the file ``document`` is written to on its own: by the kind it is
        written as (:meth:`written_as_other_kind`) and its ID."""
        kind = document.kind
        if self.written_as_other_kind(document):
            from edimap.turning import other_kind

            kind = other_kind(kind)
        return f"{FILE_KINDS[kind.value]}-{safe_file_id(document.id)}.{self.extension}"

    def written_as_other_kind(self, document: Document) -> bool:
        """Whether the writer writes ``document`` as the other kind (a negative invoice
        as a credit note, :mod:`edimap.turning`); this default: never."""
        return False

    def __repr__(self) -> str:
        return f"<format {self.name}>"
