# The Signoff worker (and, with their issues, the Slack and Teams bots).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY signoff ./signoff
COPY workflows ./workflows
COPY activities ./activities
COPY adapters ./adapters
COPY bots ./bots
RUN pip install --no-cache-dir .
USER nobody
ENTRYPOINT ["signoff"]
CMD ["worker"]
