"""The finding codes of the EDIFACT syntax layer: the tokenizer's (characters, segments,
limits) and the envelope's (UNB/UNZ, UNG/UNE, UNH/UNT)."""

from __future__ import annotations

from edimap.findings import Severity, register

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

PREAMBLE = register(
    "EDI-PREAMBLE", W, "Bytes before UNA/UNB (a byte-order mark, a mail header, junk) were "
    "skipped.", "Usually harmless; ask the sender to send the interchange alone.",
    "###@@@\\r\\nUNB+UNOA:2+…")
NO_INTERCHANGE = register(
    "EDI-NO-INTERCHANGE", E, "No UNB interchange header was found.",
    "Check that the file is an EDIFACT interchange.", "hello world")
UNA_INVALID = register(
    "EDI-UNA-INVALID", E, "The UNA service string advice is malformed (it must be UNA plus "
    "exactly six characters).", "Correct the UNA; edimap used the characters it could read.",
    "UNA:+.?'UNB+…")
TERMINATOR_NEWLINE = register(
    "EDI-TERMINATOR-NEWLINE", W, "Segments end with line breaks instead of the segment "
    "terminator; edimap read each line as a segment.",
    "Ask the sender to end each segment with the declared terminator (default ').",
    "UNB+UNOC:3+…\\nUNH+1+ORDERS:D:96A:UN\\n")
TRUNCATED = register(
    "EDI-TRUNCATED", E, "The input ends inside a segment: the last segment has no "
    "terminator (the transfer was probably cut off).",
    "Ask for the file again.", "…UNT+12+1'UNZ+1+42")
SEGMENT_TAG = register(
    "EDI-SEGMENT-TAG", E, "A segment tag is not three upper-case letters or digits.",
    "Look for a stray segment terminator or an unescaped ' in the data before it.",
    "…'Rugbrød'…")
SEGMENT_TOO_LONG = register(
    "EDI-LIMIT-SEGMENT-LENGTH", E, "A segment is longer than the configured limit; it was "
    "skipped.", "Raise Limits.max_segment_length if the file is genuine.",
    "FTX+AAI+++…  (two megabytes without a segment terminator)")
TOO_MANY_SEGMENTS = register(
    "EDI-LIMIT-MESSAGE-SEGMENTS", E, "A message has more segments than the configured limit; "
    "the rest up to its UNT was skipped.", "Raise Limits.max_message_segments if genuine.",
    "UNH+1+ORDERS…'  followed by two million LIN segments")
TOO_MANY_ELEMENTS = register(
    "EDI-LIMIT-SEGMENT-ELEMENTS", E, "A segment has more data elements than the configured "
    "limit; it was skipped.", "Raise Limits.max_segment_elements if the file is genuine.",
    "FTX" + "+" * 20000 + "'")
TOO_MANY_MESSAGES = register(
    "EDI-LIMIT-MESSAGES", E, "An interchange has more messages than the configured limit; the "
    "rest were not handed out.", "Raise Limits.max_interchange_messages, or stream the file "
    "with EdifactReader and a higher limit.", "one interchange of ten million messages")
CHARSET_MISMATCH = register(
    "EDI-CHARSET-MISMATCH", W, "The bytes are not in the character set UNB declares; edimap "
    "decoded them by its documented policy (UTF-8 if they are valid UTF-8, else ISO 8859-1).",
    "Check the decoded text; ask the sender to declare the set they use (UNOC for ISO "
    "8859-1, UNOY for UTF-8).", "UNB+UNOC:3… with 'é' as the UTF-8 bytes C3 A9")
CHARSET_REPERTOIRE = register(
    "EDI-CHARSET-REPERTOIRE", W, "A character is outside the repertoire of the declared "
    "syntax level (for example lower case in UNOA).",
    "Usually harmless; partners with strict translators may reject it.",
    "UNB+UNOA:2… NAD+BY+++Købmand")
CHARSET_UNKNOWN = register(
    "EDI-CHARSET-UNKNOWN", W, "The UNB syntax identifier is not one edimap knows; the data "
    "was decoded as ISO 8859-1.", "Check the syntax identifier in UNB S001.", "UNB+UNOQ:3+…")
CHARSET_SUPPRESSED = register(
    "EDI-CHARSET-MORE", INFO, "More character-set findings of one kind in an interchange were "
    "summarised.", "See the first findings of that code.",
    "a UNOC interchange whose every segment holds UTF-8 letters")
UNB_INVALID = register(
    "EDI-UNB-INVALID", E, "The UNB interchange header lacks a mandatory element (syntax "
    "identifier, sender, recipient, date/time or control reference).",
    "Correct the UNB.", "UNB+UNOC:3+5790000274017:14'")
UNB_DATE = register(
    "EDI-UNB-DATE", W, "The UNB date does not fit the syntax version (YYMMDD in 1-3, "
    "CCYYMMDD in 4) or is not a date.", "Correct UNB S004.", "UNB+UNOA:4+…+260101:1200+…")
SYNTAX_VERSION = register(
    "EDI-SYNTAX-VERSION", W, "The UNB syntax version number is not 1, 2, 3 or 4.",
    "Check UNB S001 0002.", "UNB+UNOC:9+…")
UNZ_MISSING = register(
    "EDI-UNZ-MISSING", E, "The interchange has no UNZ trailer (truncated file, or a second "
    "UNB before the first UNZ).", "Ask for the complete interchange.", "UNB+…'UNH+…'UNT+…'")
UNZ_COUNT = register(
    "EDI-UNZ-COUNT", E, "UNZ 0036 does not equal the number of messages (or of functional "
    "groups, when UNG is used) in the interchange.", "Ask the sender to correct the count.",
    "UNB+…+42'UNH…UNT…UNZ+3+42'  (one message)")
UNZ_REF = register(
    "EDI-UNZ-REF", E, "UNZ 0020 does not equal the UNB interchange control reference.",
    "Ask the sender to correct the reference.", "UNB+…+42'…UNZ+1+43'")
UNG_MISSING = register(
    "EDI-UNE-MISSING", E, "A functional group has no UNE trailer.",
    "Ask the sender to close the group.", "UNG+…'UNH…UNT…'UNZ+1+42'")
UNE_COUNT = register(
    "EDI-UNE-COUNT", E, "UNE 0060 does not equal the number of messages in the group.",
    "Ask the sender to correct the count.", "UNG…+7+…'UNH…UNT…'UNE+2+7'")
UNE_REF = register(
    "EDI-UNE-REF", E, "UNE 0048 does not equal the UNG group reference.",
    "Ask the sender to correct the reference.", "UNG…+7+…'…UNE+1+8'")
UNE_UNEXPECTED = register(
    "EDI-UNE-UNEXPECTED", E, "A UNE trailer without an open functional group.",
    "Ask the sender to correct the envelope.", "UNB…'UNH…UNT…'UNE+1+1'")
GROUPS_MIXED = register(
    "EDI-GROUPS-MIXED", E, "An interchange mixes functional groups and messages outside "
    "groups.", "Ask the sender to use groups for all messages or for none.",
    "UNB…'UNG…'UNH…UNT…'UNE…'UNH…UNT…'UNZ…'")
UNT_MISSING = register(
    "EDI-UNT-MISSING", E, "A message has no UNT trailer: the next UNH, UNZ or the end of the "
    "input came first.", "Ask for the message again.", "UNH+1+ORDERS…'BGM…'UNH+2+…")
UNT_COUNT = register(
    "EDI-UNT-COUNT", E, "UNT 0074 does not equal the number of segments in the message "
    "(UNH and UNT included).", "Ask the sender to correct the count; the content may be "
    "incomplete.", "UNH+1+ORDERS…'BGM…'UNT+267+1'  (3 segments)")
UNT_REF = register(
    "EDI-UNT-REF", E, "UNT 0062 does not equal the UNH message reference.",
    "Ask the sender to correct the reference.", "UNH+1+…'…UNT+3+2'")
UNH_INVALID = register(
    "EDI-UNH-INVALID", E, "UNH lacks the message reference or the message identifier "
    "(type, version, release, agency).", "Correct the UNH.", "UNH+1+ORDERS'")
DUPLICATE_REF = register(
    "EDI-UNH-DUPLICATE-REF", E, "Two messages in one interchange have the same message "
    "reference (UNH 0062).", "Ask the sender for unique references.",
    "UNH+111425+INVOIC…'…UNH+111425+INVOIC…'")
OUTSIDE_MESSAGE = register(
    "EDI-SEGMENT-OUTSIDE", E, "A segment stands outside any message (between UNB/UNG and "
    "UNH, or after UNT).", "Look for a missing UNH.", "UNB…'BGM+220+1'UNH…")
OUTSIDE_INTERCHANGE = register(
    "EDI-TRAILING-DATA", W, "Data stands after the UNZ that closes an interchange and is not "
    "another interchange.", "Usually harmless padding; check that nothing is missing.",
    "…UNZ+1+42'garbage")
