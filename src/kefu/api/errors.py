"""Map every failure of bad input to a 4xx JSON body with a code; never a 500 for input."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kefu.api.limits import BodyTooLarge, too_large_body
from kefu.domain.errors import KefuError

_HTTP_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
               409: "CONFLICT", 413: "TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 422: "BAD_REQUEST", 429: "RATE_LIMITED"}


def integrity_body() -> dict[str, str]:
    """A duplicate key or broken reference found at commit: the request conflicts with stored data."""
    return {"code": "CONFLICT", "message": "与已有数据冲突, 未保存", "message_en": "conflicts with stored data; nothing saved"}


def internal_body() -> dict[str, str]:
    """A bug, not bad input: the same bilingual shape as every other error, no internals."""
    return {"code": "INTERNAL_ERROR", "message": "服务器内部错误, 已记录", "message_en": "internal server error; it has been logged"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        # Starlette's outermost layer sends this, then re-raises for logging: kefu.api.boundary logs it
        return JSONResponse(internal_body(), status_code=500)

    @app.exception_handler(KefuError)
    async def _kefu(_: Request, exc: KefuError) -> JSONResponse:
        return JSONResponse(exc.as_dict(), status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "reason": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        body = {"code": "BAD_REQUEST", "message": "请求参数错误", "message_en": "invalid request", "details": problems}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        return JSONResponse(integrity_body(), status_code=409)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(_: Request, exc: BodyTooLarge) -> JSONResponse:
        return JSONResponse(too_large_body(exc.limit), status_code=413, headers={"connection": "close"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        body = {"code": code, "message": str(exc.detail), "message_en": str(exc.detail)}
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))
