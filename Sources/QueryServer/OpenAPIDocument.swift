/// The API's OpenAPI 3 document, served at `/openapi.yaml`. `docs/openapi.yaml` holds the same
/// text for tools that read the repository: edit both (a test keeps them equal, and checks every
/// served route and its scope against it).
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.0.3
info:
  title: JourneyLake API
  version: "1"
  description: |
    Read-only access to a JourneyLake journey store: persons, journeys, next best actions, the
    shared reports and read-only SQL. Every /v1 route needs `Authorization: Bearer <token>`;
    tokens have a scope (read, write, admin; admin includes write, write includes read).
    Errors are `{"error": {"code": "...", "message": "..."}}`. Lists are paged: pass the
    `next_cursor` of one page as `cursor` to get the next; it is null on the last page.
servers:
  - url: http://127.0.0.1:8086
security:
  - bearer: []
paths:
  /healthz:
    get:
      summary: The process is alive.
      security: []
      responses:
        "200": { description: alive }
  /readyz:
    get:
      summary: The daemon is ready (config valid, store open, listening) and not stopping.
      security: []
      responses:
        "200": { description: ready }
        "503": { description: starting or stopping }
  /metrics:
    get:
      summary: Prometheus text exposition of the daemon's metrics.
      security: []
      responses:
        "200":
          description: metrics
          content: { text/plain: {} }
  /openapi.yaml:
    get:
      summary: This document.
      security: []
      responses:
        "200":
          description: the OpenAPI document
          content: { application/yaml: {} }
  /v1/persons:
    get:
      summary: Persons by person id; with email, those known by that address (any case).
      x-scope: read
      parameters:
        - { name: email, in: query, schema: { type: string } }
        - $ref: "#/components/parameters/limit"
        - $ref: "#/components/parameters/cursor"
      responses:
        "200":
          description: a page of persons
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: { type: array, items: { $ref: "#/components/schemas/Person" } }
                  next_cursor: { type: string, nullable: true }
        "400": { $ref: "#/components/responses/Error" }
        "401": { $ref: "#/components/responses/Error" }
  /v1/persons/{id}:
    get:
      summary: One person, with their account's name and domain.
      x-scope: read
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: the person
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Person" }
        "401": { $ref: "#/components/responses/Error" }
        "404": { $ref: "#/components/responses/Error" }
  /v1/persons/{id}/journey:
    get:
      summary: One person's identifiers and timeline (a page of touchpoints, oldest first).
      x-scope: read
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 5000, default: 500 } }
        - $ref: "#/components/parameters/cursor"
      responses:
        "200":
          description: the journey
          content:
            application/json:
              schema:
                type: object
                properties:
                  person: { $ref: "#/components/schemas/Person" }
                  identifiers:
                    type: array
                    items:
                      type: object
                      properties: { kind: { type: string }, value: { type: string }, source: { type: string } }
                  timeline:
                    type: array
                    items:
                      type: object
                      properties:
                        touchpoint_id: { type: string }
                        occurred_at: { type: string }
                        side: { type: string }
                        channel: { type: string }
                        action: { type: string }
                        campaign: { type: string }
                        content: { type: string }
                        source: { type: string }
                  active_links: { type: integer }
                  next_cursor: { type: string, nullable: true }
        "401": { $ref: "#/components/responses/Error" }
        "404": { $ref: "#/components/responses/Error" }
  /v1/next-actions:
    get:
      summary: Next best actions, urgent prospects first, then by their best score (next_actions.priority).
      x-scope: read
      parameters:
        - { name: owner, in: query, schema: { type: string } }
        - { name: stage, in: query, schema: { type: string } }
        - { name: action, in: query, schema: { type: string } }
        - $ref: "#/components/parameters/limit"
        - $ref: "#/components/parameters/cursor"
      responses:
        "200":
          description: a page of suggestions
          content:
            application/json:
              schema:
                type: object
                properties:
                  items:
                    type: array
                    items:
                      type: object
                      properties:
                        person_id: { type: string }
                        rank: { type: integer }
                        action: { type: string }
                        channel: { type: string }
                        side: { type: string }
                        score: { type: number }
                        reason: { type: string }
                        evidence: { type: object, description: the rows behind the suggestion, as journeylake next-actions prints them }
                        computed_at: { type: string }
                        primary_email: { type: string }
                        owner: { type: string }
                        lifecycle_stage: { type: string }
                  next_cursor: { type: string, nullable: true }
        "400": { $ref: "#/components/responses/Error" }
        "401": { $ref: "#/components/responses/Error" }
  /v1/reports/funnel:
    get:
      summary: The funnel report, as `journeylake report funnel --format json` prints it.
      x-scope: read
      parameters:
        - $ref: "#/components/parameters/since"
        - $ref: "#/components/parameters/until"
        - { name: by, in: query, schema: { type: string, enum: [week, month, channel, campaign, owner], default: week } }
      responses:
        "200": { $ref: "#/components/responses/Report" }
        "400": { $ref: "#/components/responses/Error" }
        "401": { $ref: "#/components/responses/Error" }
  /v1/reports/sla:
    get:
      summary: The follow-up SLA report, as `journeylake report sla --format json` prints it.
      x-scope: read
      parameters:
        - $ref: "#/components/parameters/since"
        - $ref: "#/components/parameters/until"
      responses:
        "200": { $ref: "#/components/responses/Report" }
        "400": { $ref: "#/components/responses/Error" }
        "401": { $ref: "#/components/responses/Error" }
  /v1/reports/kpis:
    get:
      summary: The shared KPIs, as `journeylake report kpis --format json` prints them.
      x-scope: read
      parameters:
        - $ref: "#/components/parameters/since"
        - $ref: "#/components/parameters/until"
      responses:
        "200": { $ref: "#/components/responses/Report" }
        "400": { $ref: "#/components/responses/Error" }
        "401": { $ref: "#/components/responses/Error" }
  /v1/reports/attribution:
    get:
      summary: Attribution credit, as `journeylake report attribution --format json` prints it.
      x-scope: read
      parameters:
        - $ref: "#/components/parameters/since"
        - $ref: "#/components/parameters/until"
        - { name: model, in: query, schema: { type: string, default: all } }
        - { name: by, in: query, schema: { type: string, enum: [channel, campaign], default: channel } }
        - { name: window, in: query, schema: { type: string, default: 90d } }
        - { name: half-life, in: query, schema: { type: string, default: 7d } }
        - { name: markov-order, in: query, schema: { type: integer, enum: [1, 2], default: 1 } }
      responses:
        "200": { $ref: "#/components/responses/Report" }
        "400": { $ref: "#/components/responses/Error" }
        "401": { $ref: "#/components/responses/Error" }
  /v1/sources:
    get:
      summary: Each source's streams, cursors, last success and last error (sync_state).
      x-scope: read
      responses:
        "200":
          description: the sources
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  properties:
                    source: { type: string }
                    stream: { type: string }
                    status: { type: string }
                    cursor: { type: string }
                    last_success_at: { type: string }
                    last_error: { type: string }
                    records_total: { type: integer }
                    read_total: { type: integer }
                    quarantined_total: { type: integer }
        "401": { $ref: "#/components/responses/Error" }
  /v1/query:
    post:
      summary: One read-only SQL statement; rows stream as JSON or CSV.
      description: |
        Runs through the store's read-only query path, the one `journeylake query` uses.
        Statements that would write, ATTACH, set a PRAGMA or load an extension are refused; a
        statement is stopped after the server's query_timeout and cut at query_max_rows.
        When an error stops a JSON result after rows were sent, the document ends with an
        `error` member; a CSV result then ends without its final chunk.
      x-scope: read
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [sql]
              properties:
                sql: { type: string }
                format: { type: string, enum: [json, csv], default: json }
                max_rows: { type: integer, minimum: 1 }
      responses:
        "200":
          description: the rows
          content:
            application/json:
              schema:
                type: object
                properties:
                  columns: { type: array, items: { type: string } }
                  rows: { type: array, items: { type: object } }
                  row_count: { type: integer }
                  truncated: { type: boolean }
                  error: { $ref: "#/components/schemas/ErrorBody" }
            text/csv: {}
        "400": { $ref: "#/components/responses/Error" }
        "401": { $ref: "#/components/responses/Error" }
        "403": { $ref: "#/components/responses/Error" }
  /v1/sources/{name}/sync:
    post:
      summary: Runs one source now, ahead of its schedule.
      x-scope: admin
      parameters:
        - { name: name, in: path, required: true, schema: { type: string } }
        - { name: wait, in: query, schema: { type: boolean, default: false } }
      responses:
        "200": { description: with wait, what the pass did }
        "202": { description: queued }
        "401": { $ref: "#/components/responses/Error" }
        "403": { $ref: "#/components/responses/Error" }
        "404": { $ref: "#/components/responses/Error" }
        "409": { $ref: "#/components/responses/Error" }
  /v1/forget:
    post:
      summary: Forgets a person (GDPR erasure), as `journeylake forget` does, through the running daemon.
      description: >-
        Removes the person and every row about them in one transaction and suppresses their identifiers (salted hashes)
        so later fetches and reprocess refuse their data. The response is the audit row: counts, never whom. The body is
        never logged.
      x-scope: admin
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [who]
              properties:
                who: { type: string, description: "an email, a person id (p_…), an identifier value, or kind:value" }
                anonymise: { type: boolean, default: false, description: keep the touchpoints as anonymous events }
                reason: { type: string, description: a request or ticket number for the audit log }
      responses:
        "200":
          description: the audit row (forget_id, forgotten_at, mode, reason, persons, identifiers, records, raw_versions, touchpoints_removed, touchpoints_anonymised, derived_rows, quarantine_rows, identity_log_rows, mentions_left)
          content: { application/json: {} }
        "400": { $ref: "#/components/responses/Error" }
        "401": { $ref: "#/components/responses/Error" }
        "403": { $ref: "#/components/responses/Error" }
        "404": { $ref: "#/components/responses/Error" }
        "409": { $ref: "#/components/responses/Error" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  parameters:
    limit: { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 1000, default: 100 } }
    cursor: { name: cursor, in: query, schema: { type: string } }
    since: { name: since, in: query, description: "a date (2025-03-01) or time, inclusive", schema: { type: string } }
    until: { name: until, in: query, description: "a date (the whole day) or time, exclusive", schema: { type: string } }
  responses:
    Error:
      description: an error
      content:
        application/json:
          schema: { $ref: "#/components/schemas/ErrorBody" }
    Report:
      description: the report's JSON, byte for byte what the CLI prints
      content: { application/json: {} }
  schemas:
    ErrorBody:
      type: object
      properties:
        error:
          type: object
          properties: { code: { type: string }, message: { type: string } }
    Person:
      type: object
      properties:
        person_id: { type: string }
        primary_email: { type: string }
        first_name: { type: string }
        last_name: { type: string }
        title: { type: string }
        account_id: { type: string }
        lifecycle_stage: { type: string }
        score: { type: number }
        owner: { type: string }
        consent_email: { type: boolean }
        created_at: { type: string }
        updated_at: { type: string }
        account_name: { type: string }
        account_domain: { type: string }

"""#
}
