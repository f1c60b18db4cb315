# The Signoff worker, and the Slack and Teams bots (`signoff slack`, `signoff teams`).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY signoff ./signoff
COPY workflows ./workflows
COPY activities ./activities
COPY adapters ./adapters
COPY bots ./bots
# Installed as one package, `signoff` (its subpackages are the folders above).
RUN pip install --no-cache-dir .
USER nobody
ENTRYPOINT ["signoff"]
CMD ["worker"]
