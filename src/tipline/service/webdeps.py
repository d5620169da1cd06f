"""The dependencies both apps' routes share: the service and the request's database session.

`create_staff_app` and `create_reporter_app` keep their `Service` on the app
(`app.state.service`); `service_of` is the one place that reads it back."""

from collections.abc import Iterator
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tipline.service.runtime import Service


def service_of(request: Request) -> Service:
    return cast(Service, request.app.state.service)


async def the_service(request: Request) -> Service:
    return service_of(request)  # async: answered on the event loop, no thread taken


Svc = Annotated[Service, Depends(the_service)]


def db_session(service: Svc) -> Iterator[Session]:
    with service.database.session() as db:
        yield db


# scope="function": commit before the answer is sent, so a redirect never outruns its write
Db = Annotated[Session, Depends(db_session, scope="function")]
