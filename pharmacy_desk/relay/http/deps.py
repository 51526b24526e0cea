"""The FastAPI dependencies the counter PCs' routes share: the relay's state, the store of the path
(404 when it is not configured), the device bound to it, and the error answers they document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException

from pharmacy_desk.api.orders import Problem
from pharmacy_desk.relay.config import StoreConfig
from pharmacy_desk.relay.http.auth import store_device
from pharmacy_desk.relay.state import RelayState, relay_state
from pharmacy_desk.relay.storage.devices import Device

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No valid device token"},
    403: {"model": Problem, "description": "The device belongs to another store"},
    404: {"model": Problem, "description": "No such store (or order)"},
}


def store_config(store: str, state: Annotated[RelayState, Depends(relay_state)]) -> StoreConfig:
    config = state.config.store(store)
    if config is None:
        raise HTTPException(404, detail={"code": "store_not_found", "message": f"Аптека {store} не настроена"})
    return config


DeviceDep = Annotated[Device, Depends(store_device)]
StateDep = Annotated[RelayState, Depends(relay_state)]
StoreDep = Annotated[StoreConfig, Depends(store_config)]
