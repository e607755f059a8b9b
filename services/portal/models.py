"""The portal's own tables: accounts (with their password hashes and lockout state) and server-side sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import Id, Instant, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class User(Base):
    """A person who signs in: a role of shared.auth, and for contractor staff the contractor they work for."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    contractor_id: Mapped[str | None] = mapped_column(Id)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, PHC string
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(Instant)
    created_at: Mapped[datetime] = mapped_column(Instant)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(Instant)


class Session(Base):
    """A signed-in browser; the cookie carries a random token, the table only its SHA-256 (a leaked table signs no one in)."""

    __tablename__ = "sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(Instant)
    expires_at: Mapped[datetime] = mapped_column(Instant)
