"""Gateway health, routing decisions and webhook backlog for the operations dashboard (ops role).

Read from the OLTP payments (gateway, method, status, latency, routing reason per attempt), the
webhook outbox, and the process's router snapshot (circuit breaker state per gateway).
"""
