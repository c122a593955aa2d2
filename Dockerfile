# Terrain's image: the locked dependencies (uv.lock), no dev tools; runs as an unprivileged user.
FROM python:3.11-slim
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY bot bot
COPY handlers handlers
COPY models models
COPY reports reports
COPY sandbox sandbox
RUN uv sync --frozen --no-dev && useradd --system terrain
USER terrain
ENV PATH="/app/.venv/bin:$PATH"
CMD ["terrain", "run", "--webhook"]
