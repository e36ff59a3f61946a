// The student self-check page: one text box per part, a live KaTeX preview,
// and the grader's student view next to each part after "Check".
"use strict";

const state = { exams: [], exam: null };

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

function renderPreview(target, source) {
  target.textContent = source; // text only: never inject the student's HTML
  if (window.renderMathInElement) {
    window.renderMathInElement(target, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "$", right: "$", display: false },
        { left: "\\[", right: "\\]", display: true },
        { left: "\\(", right: "\\)", display: false },
      ],
      throwOnError: false,
    });
  }
}

function showExam(exam) {
  state.exam = exam;
  const parts = document.getElementById("parts");
  parts.replaceChildren();
  for (const part of exam.parts) {
    const box = el("section", { class: "part", id: `part-${part.id}` });
    const isCode = part.kinds.includes("code");
    const label = isCode && part.files.length ? ` (code: ${part.files.join(", ")})` : "";
    box.append(el("h2", {}, `${part.id}${part.title ? ": " + part.title : ""} [${part.max_score}]${label}`));
    const columns = el("div", { class: "columns" });
    const input = el("textarea", { "data-part": part.id, "aria-label": `answer ${part.id}` });
    const preview = el("div", { class: "preview", "data-preview": part.id });
    input.addEventListener("input", () => {
      if (!isCode) renderPreview(preview, input.value);
      else preview.textContent = input.value;
    });
    columns.append(input, preview);
    box.append(columns, el("div", { class: "feedback", "data-feedback": part.id }));
    parts.append(box);
  }
}

function showReport(report) {
  for (const part of report.parts) {
    const target = document.querySelector(`[data-feedback="${CSS.escape(part.id)}"]`);
    if (!target) continue;
    target.replaceChildren();
    if (part.status === "not_open") {
      target.append(el("div", { class: "review" }, `Not open yet: opens at ${part.opens_at}.`));
      continue;
    }
    if (part.status === "check_limit") {
      target.append(el("div", { class: "review" }, `No checks left for this part; the next one frees up at ${part.resets_at}.`));
      continue;
    }
    if (part.answer && !part.answer.found) {
      target.append(el("div", {}, "No answer found for this part."));
    }
    if (part.score === undefined) {
      // scores hidden by the course: what is missing, never how far off
      target.append(el("div", { class: "score" }, part.status === "complete" ? "Complete." : "Not complete yet."));
      if (part.found && part.found.length) target.append(el("div", {}, "Ideas found: " + part.found.join("; ")));
    } else {
      target.append(el("div", { class: "score" }, `Score: ${part.score} / ${part.max_score}`));
    }
    if (part.answer && part.answer.read_as && part.answer.read_as.length) {
      target.append(el("div", {}, "Your math was read as:"));
      for (const line of part.answer.read_as) target.append(el("div", { class: "readas" }, line));
    }
    if (part.answer && part.answer.repairs && part.answer.repairs.length) {
      target.append(el("div", {}, "Repairs applied: " + part.answer.repairs.join("; ")));
    }
    const list = el("ul");
    for (const line of part.feedback || []) list.append(el("li", {}, line));
    if (part.feedback && part.feedback.length) target.append(list);
    if (part.needs_review) {
      target.append(el("div", { class: "review" }, "A marker will look at this part: " + part.review_reasons.join("; ")));
    }
  }
}

async function check() {
  const status = document.getElementById("status");
  const answers = {};
  const files = {};
  for (const part of state.exam.parts) {
    const text = document.querySelector(`[data-part="${CSS.escape(part.id)}"]`).value;
    if (!text.trim()) continue;
    if (part.kinds.includes("code") && part.files.length) files[part.files[0]] = text;
    else answers[part.id] = text;
  }
  status.textContent = "Checking…";
  try {
    const response = await fetch(`/api/exams/${encodeURIComponent(state.exam.id)}/check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ answers, files }),
    });
    const body = await response.json();
    if (!response.ok) {
      status.textContent = `Error: ${body.error ? body.error.message : response.status}`;
      return;
    }
    showReport(body);
    status.textContent = body.score === undefined ? "Checked." : `Checked: ${body.score} / ${body.max_score}`;
  } catch (error) {
    status.textContent = `Error: ${error}`;
  }
}

async function start() {
  const response = await fetch("/api/exams");
  state.exams = await response.json();
  const select = document.getElementById("exam");
  for (const exam of state.exams) select.append(el("option", { value: exam.id }, exam.title || exam.id));
  select.addEventListener("change", () => showExam(state.exams.find((e) => e.id === select.value)));
  if (state.exams.length) showExam(state.exams[0]);
  document.getElementById("check").addEventListener("click", check);
}

window.addEventListener("DOMContentLoaded", start);

// ---- regrade requests: sent with a message; the id and secret stay in this
// browser (localStorage) and read the answer later.

function savedRequests() {
  return JSON.parse(localStorage.getItem("grader-regrade") || "[]");
}

async function showRequests() {
  const list = document.getElementById("regrade-list");
  list.replaceChildren();
  for (const saved of savedRequests()) {
    const url = `/api/exams/${encodeURIComponent(saved.exam)}/regrade-requests/${saved.id}?secret=${encodeURIComponent(saved.secret)}`;
    const response = await fetch(url);
    if (!response.ok) continue;
    const request = await response.json();
    const text = request.status === "answered"
      ? `${saved.exam} ${request.part}: answered: ${request.answer}`
      : `${saved.exam} ${request.part}: waiting for an answer`;
    list.append(el("li", { "data-request": String(request.id) }, text));
  }
}

async function sendRequest() {
  const exam = state.exam && state.exam.id;
  const body = {
    student: document.getElementById("regrade-student").value.trim(),
    part: document.getElementById("regrade-part").value,
    message: document.getElementById("regrade-message").value.trim(),
  };
  const status = document.getElementById("regrade-status");
  const response = await fetch(`/api/exams/${encodeURIComponent(exam)}/regrade-requests`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    status.textContent = (answer.error && answer.error.message) || "The request was not sent.";
    return;
  }
  localStorage.setItem("grader-regrade", JSON.stringify([...savedRequests(), { exam, id: answer.id, secret: answer.secret }]));
  status.textContent = "Sent. The answer will show below.";
  await showRequests();
}

window.addEventListener("DOMContentLoaded", () => {
  document.getElementById("regrade-send").addEventListener("click", sendRequest);
  document.getElementById("regrade").addEventListener("toggle", () => {
    const select = document.getElementById("regrade-part");
    if (state.exam && !select.options.length) {
      for (const part of state.exam.parts) select.append(el("option", { value: part.id }, part.id));
    }
    showRequests();
  });
});
