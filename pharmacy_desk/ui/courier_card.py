"""The delivery flow at the counter: who comes for the bag (:class:`CourierCard`) and how far the courier is
(:class:`DeliveryTimeline`: paid → received → delivering → delivered, from Kuper's webhooks).

The courier's photo, when Kuper gives a URL, is loaded with ``QNetworkAccessManager`` (5 s time-out,
``http``, ``https`` and ``data`` URLs only); offline, or when the URL does not answer, the card shows the
courier's initials instead and says nothing more: a photo is a nicety, never a reason to wait.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QByteArray, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from pharmacy_desk.desk.timeline import Step, StepState, delivery_steps
from pharmacy_desk.domain import Courier, KuperEventType, Order

PHOTO_SIZE = 96
PHOTO_TIMEOUT_MS = 5000
PHOTO_MAX_BYTES = 2 * 1024 * 1024
_SCHEMES = frozenset({"http", "https", "data"})


def initials_pixmap(name: str | None, size: int = PHOTO_SIZE) -> QPixmap:
    """A round badge with the courier's initials (no photo, or it did not load)."""
    letters = "".join(part[0] for part in (name or "").split()[:2]).upper() or "?"
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#546e7a"))
    painter.drawEllipse(0, 0, size, size)
    font = QFont(painter.font())
    font.setPixelSize(size * 2 // 5)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, letters)
    painter.end()
    return pixmap


def local_time(moment: dt.datetime | None) -> str:
    return moment.astimezone().strftime("%H:%M") if moment is not None else ""


class CourierCard(QFrame):
    """Name, phone and photo of the courier Kuper assigned; whether they are at the counter."""

    photoFinished = Signal(bool)  # True: the photo is shown; False: the initials stay

    def __init__(self, parent: QWidget | None = None, *, network: QNetworkAccessManager | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("courierCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.network = network or QNetworkAccessManager(self)
        self.courier: Courier | None = None
        self._reply: QNetworkReply | None = None
        self._photos: dict[str, QPixmap] = {}

        self.photo = QLabel(self)
        self.photo.setObjectName("courierPhoto")
        self.photo.setFixedSize(PHOTO_SIZE, PHOTO_SIZE)
        self.name = QLabel(self)
        self.name.setObjectName("courierName")
        font = self.name.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.name.setFont(font)
        self.phone = QLabel(self)
        self.phone.setObjectName("courierPhone")
        self.phone.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel(self)
        self.status.setObjectName("courierStatus")
        self.status.setWordWrap(True)

        text = QVBoxLayout()
        text.addWidget(self.name)
        text.addWidget(self.phone)
        text.addWidget(self.status)
        text.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(text, 1)
        self.set_courier(None)

    @property
    def has_photo(self) -> bool:
        url = self.courier.photo_url if self.courier is not None else None
        return url is not None and url in self._photos

    def show_order(self, order: Order) -> None:
        """The courier of ``order``: on the way, at the counter, or gone with the bag."""
        left_at = order.milestones.get(KuperEventType.RECEIVED.value)
        self.set_courier(order.courier, order.courier_arrived_at, left_at=left_at)

    def set_courier(
        self, courier: Courier | None, arrived_at: dt.datetime | None = None, *, left_at: dt.datetime | None = None
    ) -> None:
        if courier is None:
            self._abort()
            self.courier = None
            self.name.setText(self.tr("No courier yet"))
            self.phone.clear()
            self.status.setText(self.tr("Kuper has not assigned a courier to this order yet."))
            self.photo.setPixmap(initials_pixmap(None))
            return
        changed = self.courier is None or self.courier.photo_url != courier.photo_url
        self.courier = courier
        self.name.setText(courier.name or self.tr("Courier"))
        self.phone.setText(courier.phone or "")
        if left_at is not None:
            self.status.setText(self.tr("Took the bag at %1").replace("%1", local_time(left_at)))
            self.status.setStyleSheet("background:#d7f5dd;color:#0b4d1c;padding:6px;")
        elif arrived_at is not None:
            self.status.setText(self.tr("At the counter since %1").replace("%1", local_time(arrived_at)))
            self.status.setStyleSheet("background:#ff9800;color:#000000;padding:6px;font-weight:bold;")
        else:
            self.status.setText(self.tr("On the way to the pharmacy"))
            self.status.setStyleSheet("")
        if changed:
            self._show_photo(courier)

    # --- the photo --------------------------------------------------------------------------------

    def _show_photo(self, courier: Courier) -> None:
        self._abort()
        url = courier.photo_url
        cached = self._photos.get(url) if url else None
        if cached is not None:
            self.photo.setPixmap(cached)
            return
        self.photo.setPixmap(initials_pixmap(courier.name))
        qurl = QUrl(url or "")
        if not url or not qurl.isValid() or qurl.scheme().lower() not in _SCHEMES:
            return
        request = QNetworkRequest(qurl)
        request.setTransferTimeout(PHOTO_TIMEOUT_MS)
        reply = self.network.get(request)
        self._reply = reply
        reply.finished.connect(lambda: self._photo_loaded(reply, url))

    def _photo_loaded(self, reply: QNetworkReply, url: str) -> None:
        reply.deleteLater()
        if self._reply is reply:
            self._reply = None
        ok = False
        if reply.error() == QNetworkReply.NetworkError.NoError:
            data: QByteArray = reply.read(PHOTO_MAX_BYTES)
            pixmap = QPixmap()
            if pixmap.loadFromData(data):
                scaled = pixmap.scaled(
                    PHOTO_SIZE,
                    PHOTO_SIZE,
                    Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                    Qt.TransformationMode.SmoothTransformation,
                )
                self._photos[url] = scaled
                ok = True
        current = self.courier.photo_url if self.courier is not None else None
        if ok and current == url:
            self.photo.setPixmap(self._photos[url])
        self.photoFinished.emit(ok and current == url)

    def _abort(self) -> None:
        reply, self._reply = self._reply, None
        if reply is not None:
            reply.abort()


class DeliveryTimeline(QWidget):
    """Kuper's four steps after "ready": each with its time, waiting, or skipped by Kuper."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deliveryTimeline")
        self._titles = {
            KuperEventType.PAID: self.tr("Paid"),
            KuperEventType.RECEIVED: self.tr("Courier took the bag"),
            KuperEventType.DELIVERING: self.tr("On the way"),
            KuperEventType.DELIVERED: self.tr("Delivered"),
        }
        self.steps: tuple[Step, ...] = ()
        self._labels: list[QLabel] = []
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for column in range(4):
            label = QLabel(self)
            label.setObjectName(f"step{column}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setMinimumHeight(56)
            layout.addWidget(label, 0, column)
            self._labels.append(label)

    def set_order(self, order: Order | None) -> None:
        self.steps = delivery_steps(order) if order is not None else ()
        for label, step in zip(self._labels, self.steps or (), strict=False):
            title = self._titles[step.event]
            if step.state is StepState.DONE:
                label.setText(f"✔ {title}\n{local_time(step.at)}")
                label.setStyleSheet("background:#d7f5dd;color:#0b4d1c;padding:6px;font-weight:bold;")
            elif step.state is StepState.SKIPPED:
                label.setText(f"— {title}\n" + self.tr("not reported"))
                label.setStyleSheet("background:#eeeeee;color:#555555;padding:6px;")
            else:
                label.setText(f"○ {title}\n" + self.tr("waiting"))
                label.setStyleSheet("background:#ffffff;color:#555555;padding:6px;border:1px solid #cccccc;")
        if not self.steps:
            for label in self._labels:
                label.clear()
                label.setStyleSheet("")

    def texts(self) -> list[str]:
        return [label.text() for label in self._labels]
