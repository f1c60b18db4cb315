# The Signoff worker, and the Slack and Teams bots (`signoff slack`, `signoff teams`).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY signoff ./signoff
COPY workflows ./workflows
COPY activities ./activities
COPY adapters ./adapters
COPY bots ./bots
# Installed as one package, `signoff` (its subpackages are the folders above), without the
# `dev` extra: the image talks to a Temporal cluster and never runs the dev server.
RUN pip install --no-cache-dir .

# A user of its own, with a fixed uid the compose file's `keys` service hands the keys to.
# It owns only the data directory (a volume): /app and the installed code stay root's and
# read-only to it, so whatever Signoff writes (a SQLite store, keys, the checkpoint log
# when their settings leave them under it) goes where a volume keeps it.
RUN groupadd --system --gid 10001 signoff \
 && useradd --system --uid 10001 --gid signoff --home-dir /var/lib/signoff --no-create-home \
      --shell /usr/sbin/nologin signoff \
 && install -d -o signoff -g signoff -m 0750 /var/lib/signoff
ENV SIGNOFF_DATA_DIR=/var/lib/signoff
VOLUME ["/var/lib/signoff"]
USER 10001:10001
ENTRYPOINT ["signoff"]
CMD ["worker"]
