// The /v1 API with the signed-in key (and, for a parent, the chosen child): JSON calls, the
// chat answer as a stream of OpenAI chunks, uploads and the export download.

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }

  static async from(response) {
    let message = `${response.status} ${response.statusText}`;
    let code = null;
    try {
      const body = await response.json();
      message = body.error?.message || message;
      code = body.error?.code || null;
    } catch {
      // not an OpenAI error body: the status line says it
    }
    return new ApiError(response.status, message, code);
  }
}

export class Api {
  constructor(key, child = null) {
    this.key = key;
    this.child = child;
  }

  forChild(child) {
    return new Api(this.key, child);
  }

  async request(method, path, { json, body } = {}) {
    const headers = { Authorization: `Bearer ${this.key}` };
    if (this.child) headers["X-EQM-Child"] = this.child;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    }
    const response = await fetch(`/v1${path}`, { method, headers, body });
    if (!response.ok) throw await ApiError.from(response);
    return response;
  }

  async json(method, path, options) {
    return (await this.request(method, path, options)).json();
  }

  me() {
    return this.json("GET", "/me");
  }

  /** One of the model's tools, run for you (or the child): the same typed result it reads. */
  tool(name, args = {}) {
    return this.json("POST", `/tools/${encodeURIComponent(name)}`, { json: args });
  }

  timeline(days, metrics = ["valence", "arousal"]) {
    const query = new URLSearchParams({ days });
    for (const metric of metrics) query.append("metric", metric);
    return this.json("GET", `/timeline?${query}`);
  }

  /** Mood check-ins of the last `days` days with data, each with its circumplex quadrant. */
  checkins(days) {
    return this.json("GET", `/checkins?${new URLSearchParams({ days })}`);
  }

  crisisAlerts(child) {
    return this.json("GET", `/children/${encodeURIComponent(child)}/crisis-alerts`);
  }

  conversation(id) {
    return this.json("GET", `/conversations/${encodeURIComponent(id)}`);
  }

  feedback(completionId, rating, comment = null) {
    return this.json("POST", "/feedback", {
      json: { completion_id: completionId, rating, comment: comment || null },
    });
  }

  importFile(file) {
    const form = new FormData();
    form.append("file", file, file.name);
    return this.json("POST", "/imports", { body: form });
  }

  async exportZip() {
    const response = await this.request("GET", "/me/export");
    const disposition = response.headers.get("Content-Disposition") || "";
    const filename = /filename="([^"]+)"/.exec(disposition)?.[1] || "eqm-export.zip";
    return { blob: await response.blob(), filename };
  }

  deleteAccount() {
    return this.json("DELETE", "/me");
  }

  /** The answer to `text` as it streams: yields each OpenAI chunk (the last carries `eqm`). */
  async *chat(text, conversationId) {
    const body = { model: "eqm", stream: true, messages: [{ role: "user", content: text }] };
    if (conversationId) body.conversation_id = conversationId;
    const response = await this.request("POST", "/chat/completions", { json: body });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of event.split("\n")) {
          if (!line.startsWith("data:")) continue;
          const data = line.slice(5).trim();
          if (data === "[DONE]") return;
          yield JSON.parse(data);
        }
      }
    }
  }
}
