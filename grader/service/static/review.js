// The review page: answer groups of a part, decided with the keyboard.
// Talks to /api/review/{exam}/... with the instructor token; nothing is stored
// in the page but the token (sessionStorage, this tab only).
"use strict";

const state = { exam: "", part: null, groups: [], selected: 0 };
const $ = (id) => document.getElementById(id);

function headers() {
  return { "Content-Type": "application/json", Authorization: "Bearer " + $("token").value };
}

function status(text) {
  $("status").textContent = text;
}

function render(node) {
  if (window.renderMathInElement) {
    window.renderMathInElement(node, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "$", right: "$", display: false },
      ],
      throwOnError: false,
    });
  }
}

async function load(part) {
  state.exam = $("exam").value.trim();
  sessionStorage.setItem("grader-review", JSON.stringify({ exam: state.exam, token: $("token").value, author: $("author").value }));
  const query = part ? "?part=" + encodeURIComponent(part) : "";
  const response = await fetch(`/api/review/${encodeURIComponent(state.exam)}/groups${query}`, { headers: headers() });
  const body = await response.json();
  if (!response.ok) {
    status("Error: " + ((body.error && body.error.message) || response.status));
    return;
  }
  state.part = body.part;
  state.groups = body.groups;
  state.parts = body.parts;
  state.selected = Math.min(state.selected, Math.max(0, state.groups.length - 1));
  draw();
  status(`${body.part}: ${body.groups.length} groups`);
}

function text(tag, content, className) {
  const node = document.createElement(tag);
  node.textContent = content;
  if (className) node.className = className;
  return node;
}

function draw() {
  const nav = $("parts");
  nav.replaceChildren();
  for (const part of state.parts) {
    const button = text("button", `${part.id} (${part.groups})`);
    button.type = "button";
    button.dataset.part = part.id;
    if (part.undecided_flagged) button.append(text("span", ` ${part.undecided_flagged} to review`, "flag"));
    if (part.id === state.part) button.className = "current";
    button.addEventListener("click", () => { state.selected = 0; load(part.id); });
    nav.append(button);
  }
  const main = $("groups");
  main.replaceChildren();
  state.groups.forEach((group, index) => {
    const card = document.createElement("section");
    card.className = "group" + (group.flagged ? " flagged" : "") + (index === state.selected ? " selected" : "");
    card.dataset.group = group.key;
    card.append(text("h2", `${group.size} answer${group.size === 1 ? "" : "s"} · grader ${group.score}/${group.max_score}` + (group.flagged ? ` · ${group.flagged} flagged` : "")));
    if (group.decision) {
      const mark = group.decision.mark === null ? "grader's mark kept" : `mark ${group.decision.mark}`;
      card.append(text("p", `Decided (${group.decided}/${group.size}): ${mark} by ${group.decision.author}`, "decided"));
    }
    card.append(text("div", group.representative || "(no answer)", "answer"));
    for (const line of group.reading) card.append(text("div", line, "reading"));
    card.append(text("p", "Students: " + group.students.join(", ")));
    const form = document.createElement("form");
    form.innerHTML = '<label>Mark <input name="mark" inputmode="decimal"></label> <label>Feedback <input name="feedback"></label> <button type="submit">Save</button>';
    form.addEventListener("submit", (event) => { event.preventDefault(); decide(index, false); });
    card.append(form);
    card.addEventListener("click", () => select(index));
    main.append(card);
  });
  render(main);
}

function select(index) {
  if (!state.groups.length) return;
  state.selected = (index + state.groups.length) % state.groups.length;
  document.querySelectorAll(".group").forEach((node, i) => node.classList.toggle("selected", i === state.selected));
  document.querySelectorAll(".group")[state.selected].scrollIntoView({ block: "nearest" });
}

async function decide(index, keep) {
  const group = state.groups[index];
  const card = document.querySelectorAll(".group")[index];
  const markText = card.querySelector("input[name=mark]").value.trim();
  const feedback = card.querySelector("input[name=feedback]").value.trim();
  const body = {
    part: state.part,
    group: group.key,
    mark: keep || markText === "" ? null : Number(markText),
    feedback,
    accept: keep && !feedback,
    author: $("author").value.trim() || "instructor",
  };
  if (body.mark !== null && Number.isNaN(body.mark)) {
    status("The mark is not a number");
    return;
  }
  const response = await fetch(`/api/review/${encodeURIComponent(state.exam)}/decisions`, {
    method: "POST",
    headers: headers(),
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    status("Error: " + ((answer.error && answer.error.message) || response.status));
    return;
  }
  await load(state.part);
  select(index + 1);
  status(`Saved: ${answer.recorded} decision${answer.recorded === 1 ? "" : "s"} on ${state.part}`);
}

document.addEventListener("keydown", (event) => {
  const typing = event.target.tagName === "INPUT";
  if (event.key === "Enter" && typing && event.target.closest(".group")) return; // the form submits
  if (typing) return;
  const card = document.querySelectorAll(".group")[state.selected];
  if (event.key === "j") select(state.selected + 1);
  else if (event.key === "k") select(state.selected - 1);
  else if (event.key === "m" && card) { event.preventDefault(); card.querySelector("input[name=mark]").focus(); }
  else if (event.key === "f" && card) { event.preventDefault(); card.querySelector("input[name=feedback]").focus(); }
  else if (event.key === "a" && card) decide(state.selected, true);
  else if (event.key === "Enter" && card) decide(state.selected, false);
  else if ((event.key === "]" || event.key === "[") && state.parts) {
    const index = state.parts.findIndex((p) => p.id === state.part) + (event.key === "]" ? 1 : -1);
    const next = state.parts[(index + state.parts.length) % state.parts.length];
    state.selected = 0;
    load(next.id);
  }
});

window.addEventListener("DOMContentLoaded", () => {
  const saved = JSON.parse(sessionStorage.getItem("grader-review") || "{}");
  const params = new URLSearchParams(location.search);
  $("exam").value = params.get("exam") || saved.exam || "";
  $("token").value = saved.token || "";
  $("author").value = saved.author || "";
  $("open").addEventListener("click", () => load(null));
});
