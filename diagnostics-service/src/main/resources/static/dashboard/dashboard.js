// Parapet's operations dashboard: live counters over server-sent events, reports and the device
// inventory from diagnostics-service's API. Every value is written with textContent, never as HTML.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const number = new Intl.NumberFormat("en");
  const state = { token: null, account: null, api: null, refreshing: false, again: false, lastMinute: null,
    refresher: null, signedOut: false };

  function accountOf(token) {
    try {
      const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(payload.padEnd(payload.length + (4 - payload.length % 4) % 4, "="))).account || null;
    } catch (e) {
      return null;
    }
  }

  function start(token) {
    const account = accountOf(token);
    if (!account) {
      $("sign-in").hidden = false;
      $("connection-text").textContent = "that token names no account";
      $("connection").dataset.state = "error";
      return;
    }
    sessionStorage.setItem("parapet-token", token);
    state.signedOut = false;
    state.token = token;
    state.account = account;
    state.api = "/api/v1/accounts/" + encodeURIComponent(account) + "/diagnostics";
    $("account").textContent = "account " + account;
    $("sign-in").hidden = true;
    $("board").hidden = false;
    refresh();
    state.refresher = setInterval(refresh, 5000);
    live();
  }

  // The token expired (the live stream's last event, or a 401): stop, forget it, and ask for a new one.
  function signOut(reason) {
    state.signedOut = true;
    clearInterval(state.refresher);
    sessionStorage.removeItem("parapet-token");
    state.token = null;
    $("connection").dataset.state = "error";
    $("connection-text").textContent = reason || "signed out: sign in again";
    $("board").hidden = true;
    $("sign-in").hidden = false;
  }

  async function get(path) {
    const response = await fetch(state.api + path, { headers: { Authorization: "Bearer " + state.token } });
    if (!response.ok) {
      throw new Error(path + ": HTTP " + response.status);
    }
    return response.json();
  }

  // A refresh asked for while one is running runs again right after it, so no change is missed.
  async function refresh() {
    if (state.refreshing) {
      state.again = true;
      return;
    }
    state.refreshing = true;
    try {
      const [summary, devices] = await Promise.all([get("/reports/summary?limit=10"), get("/devices?size=200")]);
      showSummary(summary);
      showDevices(devices);
      $("updated").textContent = new Date().toLocaleTimeString();
      document.body.dataset.loaded = "true";
    } catch (e) {
      $("connection").dataset.state = "error";
      $("connection-text").textContent = e.message;
    } finally {
      state.refreshing = false;
      if (state.again) {
        state.again = false;
        refresh();
      }
    }
  }

  function showSummary(s) {
    $("total-queries").textContent = number.format(s.queries);
    $("total-blocked").textContent = number.format(s.stopped);
    $("blocked-share").textContent = s.queries ? (100 * s.stopped / s.queries).toFixed(1) + "% of queries" : "";
    $("total-failed").textContent = number.format(s.failed || 0);
    $("failed-share").textContent = s.queries ? (100 * (s.failed || 0) / s.queries).toFixed(1) + "% of queries" : "";
    const security = $("security");
    security.replaceChildren(...Object.entries(s.securityStopped).map(([category, n]) => {
      const li = el("li", n > 0 ? "hit" : "");
      li.dataset.security = category;
      li.append(el("div", "n", number.format(n)), el("div", "k", category));
      return li;
    }));
    const stopped = s.byCategory.filter((c) => c.stopped > 0).sort((a, b) => b.stopped - a.stopped);
    const max = Math.max(1, ...stopped.map((c) => c.stopped));
    $("categories").replaceChildren(...(stopped.length ? stopped.map((c) => {
      const li = el("li");
      li.dataset.category = c.id;
      const bar = el("div", "bar");
      bar.style.width = (100 * c.stopped / max).toFixed(1) + "%";
      li.append(el("span", "k", c.id), el("div", "track"), el("span", "n", number.format(c.stopped)));
      li.children[1].append(bar);
      return li;
    }) : [el("li", "empty", "nothing blocked by category")]));
    names($("top-blocked"), s.topStopped, "nothing blocked in the last hour");
    names($("top-failed"), s.topFailed || [], "nothing failed in the last hour");
  }

  function names(body, list, none) {
    body.replaceChildren(...(list.length ? list.map((n) => {
      const tr = el("tr");
      tr.dataset.name = n.name;
      tr.append(el("td", "", n.name), el("td", "n", number.format(n.count)));
      return tr;
    }) : [row(none)]));
  }

  function showDevices(page) {
    $("devices-protected").textContent = number.format(page.protectedDevices);
    $("devices-total").textContent = number.format(page.total - page.revoked);
    $("devices-findings").textContent = page.withFindings ? page.withFindings + " with findings" : "no findings";
    $("devices-count").textContent = "(" + page.total + ")";
    $("devices").replaceChildren(...(page.devices.length ? page.devices.map(({ device: d, isProtected }) => {
      const tr = el("tr");
      tr.dataset.agent = d.agentId;
      const platform = [d.osName, d.osEdition, d.osVersion].filter(Boolean).join(" ");
      const badge = el("span", "badge " + (isProtected ? "ok" : "bad"),
        d.status !== "ACTIVE" ? "revoked" : isProtected ? "protected" : "not protected");
      const findings = el("td");
      d.findings.forEach((f) => {
        const chip = el("span", "chip", f.code.toLowerCase().replace(/_/g, " "));
        chip.title = f.detail;
        chip.dataset.finding = f.code;
        findings.append(chip);
      });
      const state = el("td");
      state.append(badge);
      tr.append(el("td", "", d.hostname || d.agentId), el("td", "", platform), el("td", "", d.agentVersion || ""),
        el("td", "", d.signedInUser || ""), el("td", "", d.lastSeen ? ago(d.lastSeen) : "never"), state, findings);
      return tr;
    }) : [row("no devices enrolled")]));
  }

  function showCounters(c) {
    $("qps").textContent = number.format(c.queriesPerSecond);
    $("bps").textContent = number.format(c.stoppedPerSecond);
    chart(c.lastMinute);
    if (counted(c.lastMinute)) refresh();
  }

  // Whether the live counters show queries not counted in the previous event: then the totals and
  // top lists are refreshed now rather than at the next 5 s tick (at most once a second, with the stream).
  function counted(points) {
    const before = state.lastMinute;
    state.lastMinute = new Map(points.map((p) => [p[0], p[1]]));
    return before !== null && points.some((p) => p[1] > (before.get(p[0]) || 0));
  }

  // The chart's paths in drawing order, each [class, d], for points [start, queries, stopped, failed] in a
  // 600 x 120 box: failed, then blocked, then the queries on top. Queries are at least blocked (and at least
  // failed), so when every query was blocked the two lines coincide: the queries line is drawn last, thin and
  // dashed (dashboard.css) over the wide solid blocked line, and both show. A point without failed (an
  // instance older than the failed counter) counts none.
  function chartPaths(points) {
    const max = Math.max(1, ...points.map((p) => p[1]));
    const x = (i) => (600 * i / Math.max(1, points.length - 1)).toFixed(1);
    const y = (v) => (115 - 110 * (v || 0) / max).toFixed(1);
    const line = (k) => points.map((p, i) => (i ? "L" : "M") + x(i) + " " + y(p[k])).join(" ");
    return [["grid", "M0 115 L600 115"], ["grid", "M0 60 L600 60"], ["f", line(3)], ["b", line(2)], ["q", line(1)]];
  }

  function chart(points) {
    const ns = "http://www.w3.org/2000/svg";
    $("rate-chart").replaceChildren(...chartPaths(points).map(([cls, d]) => {
      const p = document.createElementNS(ns, "path");
      p.setAttribute("class", cls);
      p.setAttribute("d", d);
      return p;
    }));
  }

  function finding(e) {
    const list = $("events");
    if (list.firstElementChild && list.firstElementChild.classList.contains("empty")) list.replaceChildren();
    const li = el("li", e.raised ? "raised" : "cleared",
      new Date(e.at).toLocaleTimeString() + "  " + (e.hostname || e.agentId) + ": " + e.code.toLowerCase().replace(/_/g, " ")
      + (e.raised ? " raised: " + e.detail : " cleared"));
    list.prepend(li);
    while (list.children.length > 20) list.lastElementChild.remove();
    refresh();
  }

  // EventSource cannot send an Authorization header, so the stream is read with fetch.
  async function live() {
    const conn = $("connection");
    for (;;) {
      try {
        if (state.signedOut) return;
        const response = await fetch(state.api + "/live", { headers: { Authorization: "Bearer " + state.token, Accept: "text/event-stream" } });
        if (response.status === 401) return signOut("your sign-in has expired: sign in again");
        if (!response.ok) throw new Error("live: HTTP " + response.status);
        conn.dataset.state = "live";
        $("connection-text").textContent = "live";
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done || state.signedOut) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
        if (state.signedOut) return;
        throw new Error("live stream ended");
      } catch (e) {
        conn.dataset.state = "error";
        $("connection-text").textContent = e.message + "; reconnecting";
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  function dispatch(block) {
    let event = "message";
    const data = [];
    block.split("\n").forEach((line) => {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    });
    if (!data.length) return;
    const body = JSON.parse(data.join("\n"));
    if (event === "counters") showCounters(body);
    else if (event === "finding") finding(body);
    else if (event === "token-expired") signOut(body.reason);
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function row(text) {
    const tr = el("tr");
    tr.append(el("td", "empty", text));
    return tr;
  }

  function ago(iso) {
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return s < 60 ? s + " s ago" : s < 3600 ? Math.round(s / 60) + " min ago" : Math.round(s / 3600) + " h ago";
  }

  document.addEventListener("DOMContentLoaded", () => {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
    if (fromHash) history.replaceState(null, "", location.pathname);
    const token = fromHash || sessionStorage.getItem("parapet-token");
    $("token-form").addEventListener("submit", (e) => { e.preventDefault(); start($("token").value.trim()); });
    if (token) start(token); else $("sign-in").hidden = false;
  });
})();
