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
# matplotlib's font cache, built once here: the unprivileged user has no home to keep it in
# (without this, the chart worker warns and rebuilds it on every start).
ENV MPLCONFIGDIR=/app/.matplotlib
RUN uv sync --frozen --no-dev && useradd --system terrain \
    && .venv/bin/python -c "import matplotlib.font_manager" && chown -R terrain .matplotlib
USER terrain
ENV PATH="/app/.venv/bin:$PATH"
CMD ["terrain", "run", "--webhook"]
