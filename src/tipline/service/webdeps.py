"""The dependencies both apps' routes share: the service and the request's database session.

`create_staff_app` and `create_reporter_app` keep their `Service` on the app
(`app.state.service`); `service_of` is the one place that reads it back."""

from collections.abc import AsyncIterator
from typing import Annotated, cast

import anyio
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tipline.service.runtime import Service


def service_of(request: Request) -> Service:
    return cast(Service, request.app.state.service)


async def the_service(request: Request) -> Service:
    return service_of(request)  # async: answered on the event loop, no thread taken


Svc = Annotated[Service, Depends(the_service)]


async def db_session(service: Svc) -> AsyncIterator[Session]:
    """The request's session, as `Database.session` (committed after the route, rolled back
    on an error), made and closed on the event loop. A session connects only when first
    used, in the route's own worker thread, and a route commits there (`web.CommitRoute`),
    so what is left to end is usually an object with no connection: a sync generator here
    cost every request two more trips through the thread pool (in a profile of an attack's
    first seconds, a quarter of the server's time on the guesses that reached their routes).
    A thread is still taken for what touches the database: the commit of work an async route
    left open, or a rollback after an error."""
    db = service.database.sessions()
    try:
        yield db
        if db.in_transaction():
            await anyio.to_thread.run_sync(db.commit)
    except BaseException:
        if db.in_transaction():
            with anyio.CancelScope(shield=True):  # a dropped client must not skip it
                await anyio.to_thread.run_sync(db.rollback)
        raise
    finally:
        db.close()


# scope="function": commit before the answer is sent, so a redirect never outruns its write
Db = Annotated[Session, Depends(db_session, scope="function")]
