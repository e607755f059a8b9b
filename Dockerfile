# One image for every Kawal process: the Procfile's commands are given by docker-compose.yml and deploy/k8s.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KAWAL_LOG_FORMAT=json

WORKDIR /app

# An unprivileged user; .run holds the prometheus multiprocess directories and the beat schedule.
RUN groupadd --system --gid 10001 kawal \
 && useradd --system --uid 10001 --gid kawal --home-dir /app --shell /usr/sbin/nologin kawal

# Dependencies first, from pyproject alone, so a code change does not reinstall them; the versions are the lock's
# (requirements.lock, pip-compile over pyproject's ranges), so two builds of the image install the same.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print(chr(10).join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -c requirements.lock -r /tmp/requirements.txt

# The project itself, editable: `kawal db upgrade` finds alembic.ini and the migrations beside the code.
COPY . .
RUN pip install --no-deps -e . \
 && mkdir -p .run/prom \
 && chown -R kawal:kawal .run

USER kawal

# Metrics and API ports of the processes (see docs/DEVELOPING.md).
EXPOSE 8001 8002 8003 9101 9102 9103 9104

CMD ["kawal", "--help"]
