# Airflow image with the project's pinned dependencies; the project itself is mounted at /opt/outcomes.
FROM apache/airflow:3.3.2-python3.11
COPY --chown=airflow:0 requirements.lock /opt/outcomes/requirements.lock
RUN pip install --no-cache-dir -r /opt/outcomes/requirements.lock
ENV PYTHONPATH=/opt/outcomes
