"""The counter app's services: plain asyncio and pydantic, no widgets.

The UI talks to :class:`~pharmacy_desk.desk.service.DeskService` only; :mod:`.qt_bridge` (the one
module that imports Qt, not re-exported here) turns its hooks into Qt signals.

- :mod:`.settings`: the app's settings file; :mod:`.credentials`: the device token (keyring / 0600 file)
- :mod:`.relay_client`: the relay's counter-PC API (its error hierarchy is drawn in its docstring)
- :mod:`.stream`: the store's event stream with resume, back-off (:mod:`.backoff`) and status
- :mod:`.order_book`: the store's orders, never going backwards; :mod:`.ringing`: the new-order bell
- :mod:`.offline_queue`: actions taken while the relay is unreachable, replayed in order
- :mod:`.scanner`: keyboard-wedge scan detection; :mod:`.assembly`: assembling one order
- :mod:`.hooks`: the callback lists the services announce things with
"""

from pharmacy_desk.desk.assembly import AssemblyIncomplete, AssemblySession, LineProgress, Pack
from pharmacy_desk.desk.assembly_feedback import FeedbackCode, ScanFeedback
from pharmacy_desk.desk.credentials import CredentialsUnavailable, TokenStore, token_store
from pharmacy_desk.desk.hooks import Hook
from pharmacy_desk.desk.offline_queue import QueueConflict, QueuedAction
from pharmacy_desk.desk.order_book import AlertEvent, BookChange, NotificationStatus, OrderBook
from pharmacy_desk.desk.relay_client import (
    Accepted,
    ConnectionCheck,
    Refused,
    Rejected,
    RelayAuthError,
    RelayClient,
    RelayError,
    RelayNotFound,
    RelayProtocolError,
    RelayUnreachable,
    Stale,
    Unreachable,
)
from pharmacy_desk.desk.scanner import KeyPress, ScannedCode, TypedText, WedgeDetector, manual_entry, read_code
from pharmacy_desk.desk.service import QUEUEABLE, ActOutcome, DeskService, Queued
from pharmacy_desk.desk.settings import DeskSettings, SettingsError, SettingsFile, SoundSettings
from pharmacy_desk.desk.stream import ConnectionState, ConnectionStatus

__all__ = [
    "QUEUEABLE",
    "Accepted",
    "ActOutcome",
    "AlertEvent",
    "AssemblyIncomplete",
    "AssemblySession",
    "BookChange",
    "ConnectionCheck",
    "ConnectionState",
    "ConnectionStatus",
    "CredentialsUnavailable",
    "DeskService",
    "DeskSettings",
    "FeedbackCode",
    "Hook",
    "KeyPress",
    "LineProgress",
    "NotificationStatus",
    "OrderBook",
    "Pack",
    "QueueConflict",
    "Queued",
    "QueuedAction",
    "Refused",
    "Rejected",
    "RelayAuthError",
    "RelayClient",
    "RelayError",
    "RelayNotFound",
    "RelayProtocolError",
    "RelayUnreachable",
    "ScanFeedback",
    "ScannedCode",
    "SettingsError",
    "SettingsFile",
    "SoundSettings",
    "Stale",
    "TokenStore",
    "TypedText",
    "Unreachable",
    "WedgeDetector",
    "manual_entry",
    "read_code",
    "token_store",
]
