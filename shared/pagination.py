"""Paginated lists: query arguments in, {"items": [...], "page": {...}} out, counted in the database."""

from __future__ import annotations

from marshmallow import Schema, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from shared import fields

MAX_PAGE = 1_000_000  # page * per_page stays far inside OFFSET's BIGINT


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=1000))


class PageInfo(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


_page_schemas: dict[type, type[Schema]] = {}


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The response schema of a list of item_schema."""
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_schema] = type(
            name,
            (Schema,),
            {
                "items": fields.List(fields.Nested(item_schema)),
                "page": fields.Nested(PageInfo),
            },
        )
    return _page_schemas[item_schema]


def paginate(session: Session, query: Select, page: int = 1, per_page: int = 50, scalars: bool = True) -> dict:
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    result = session.execute(query.limit(per_page).offset((page - 1) * per_page))
    items = result.scalars().all() if scalars else result.mappings().all()
    return {
        "items": items,
        "page": {"page": page, "per_page": per_page, "total": total, "pages": (total + per_page - 1) // per_page},
    }
