// Phone simulator (dev mode only).
//
// The page only collects what the user does. Signing, AES encryption and the POST to /wechat
// happen on the server (bot/dev/simulator.py, with the same WeChatPeer the tests use), so the
// wire format shown under each reply is the real one, not a second implementation's.
//
// Each user action is an "exchange": a bubble of mine with data-exchange=<n> whose
// data-state goes pending -> done | failed, then the app's reply (data-role="reply") or an
// error line (data-role="system") carrying the same data-exchange. Tests wait on these.
(() => {
  "use strict";

  const root = document.getElementById("sim");
  const urls = {
    send: root.dataset.sendUrl,
    upload: root.dataset.uploadUrl,
    inbox: root.dataset.inboxUrl,
    hazard: root.dataset.hazardUrl,
  };
  const maxBytes = Number(root.dataset.maxBytes);
  const KEYS = { openid: "hazardbot.sim.openid", mode: "hazardbot.sim.mode", wire: "hazardbot.sim.wire" };
  const OPENID = /^[A-Za-z0-9_-]{1,64}$/;
  const MODE_LABELS = { safe: "安全模式", compatible: "兼容模式", plaintext: "明文模式" };
  const INBOX_EVERY_MS = 3000;

  const $ = (id) => document.getElementById(id);
  const chat = $("chat");
  const openidInput = $("openid");
  const modeSelect = $("mode");
  const textInput = $("text");

  let exchangeCount = 0;
  let queue = Promise.resolve(); // exchanges go out one at a time, in order, like a phone

  // --- small DOM helpers -------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text; // never innerHTML: replies are data
    return node;
  }

  function scrollToEnd() {
    chat.scrollTop = chat.scrollHeight;
  }

  function randomOpenid() {
    const bytes = new Uint8Array(4);
    crypto.getRandomValues(bytes);
    return "o_sim_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- settings ------------------------------------------------------------------------------

  function currentOpenid() {
    return openidInput.value.trim();
  }

  function updateSummary() {
    $("settings-summary").textContent = currentOpenid() + " · " + (MODE_LABELS[modeSelect.value] || "");
  }

  function setOpenid(value) {
    openidInput.value = value;
    localStorage.setItem(KEYS.openid, value);
    updateSummary();
  }

  function initSettings() {
    const saved = localStorage.getItem(KEYS.openid);
    setOpenid(saved && OPENID.test(saved) ? saved : randomOpenid());
    const mode = localStorage.getItem(KEYS.mode);
    if (mode && MODE_LABELS[mode]) modeSelect.value = mode;
    $("show-wire").checked = localStorage.getItem(KEYS.wire) === "1";
    root.classList.toggle("show-wire", $("show-wire").checked);
    updateSummary();

    openidInput.addEventListener("change", () => {
      const value = currentOpenid();
      openidInput.setCustomValidity(OPENID.test(value) ? "" : "openid 只能包含字母、数字、下划线和连字符");
      if (!openidInput.reportValidity()) return;
      setOpenid(value);
      newConversation();
    });
    $("new-openid").addEventListener("click", () => {
      setOpenid(randomOpenid());
      newConversation();
    });
    modeSelect.addEventListener("change", () => {
      localStorage.setItem(KEYS.mode, modeSelect.value);
      updateSummary();
    });
    $("show-wire").addEventListener("change", (e) => {
      root.classList.toggle("show-wire", e.target.checked);
      localStorage.setItem(KEYS.wire, e.target.checked ? "1" : "0");
    });
    $("send-subscribe").addEventListener("click", () => {
      exchange(() => systemLine("你关注了公众号"), "event", { event: "subscribe" });
    });
  }

  function newConversation() {
    chat.replaceChildren(el("p", "chat-note", "已切换到用户 " + currentOpenid() + "。发送“举报”开始报告隐患。"));
    renderInbox([]);
    refreshInbox();
  }

  // --- chat rendering ------------------------------------------------------------------------

  function messageRow(mine) {
    const row = el("div", "msg " + (mine ? "mine" : "theirs"));
    const avatar = el("div", "avatar", mine ? "我" : "隐");
    avatar.setAttribute("aria-hidden", "true");
    const body = el("div", "msg-body");
    row.append(avatar, body);
    chat.append(row);
    return { row, body };
  }

  function myText(text) {
    const { row, body } = messageRow(true);
    body.append(el("div", "bubble", text));
    return row;
  }

  function myPicture(src) {
    const { row, body } = messageRow(true);
    const bubble = el("div", "bubble picture");
    const img = el("img");
    img.alt = "发送的图片";
    img.src = src;
    img.addEventListener("load", scrollToEnd);
    img.addEventListener("error", () => {
      // Not a picture the browser can show (the app will say so in the dev inbox).
      bubble.className = "bubble";
      bubble.replaceChildren("[图片无法显示]");
    });
    bubble.append(img);
    body.append(bubble);
    return row;
  }

  function myLocation(lat, lng, label) {
    const { row, body } = messageRow(true);
    const bubble = el("div", "bubble location");
    bubble.append(
      el("div", "location-title", label || "位置"),
      el("div", "location-coords", Number(lat).toFixed(5) + ", " + Number(lng).toFixed(5)),
      el("div", "location-map"),
    );
    body.append(bubble);
    return row;
  }

  function systemLine(text, isError) {
    const line = el("p", "msg-system" + (isError ? " error" : ""), text);
    line.dataset.role = "system";
    chat.append(line);
    return line;
  }

  function reply(text, n) {
    const { row, body } = messageRow(false);
    row.dataset.role = "reply";
    row.dataset.exchange = String(n);
    const bubble = el("div", "bubble", text);
    body.append(bubble);
    const number = /编号：(YH\d+)/.exec(text);
    if (number) {
      const links = el("div", "links");
      const a = el("a", "", "查看 " + number[1] + " 的记录（JSON）");
      a.href = urls.hazard.replace("__NUMBER__", encodeURIComponent(number[1]));
      a.target = "_blank";
      a.rel = "noopener";
      links.append(a);
      body.append(links);
    }
    return body;
  }

  function wireDetails(result) {
    const details = el("details", "wire");
    details.append(el("summary", "", "报文（" + (MODE_LABELS[result.mode] || result.mode) + "，HTTP " + result.status + "）"));
    const parts = [
      ["发出的消息（明文 XML）", result.plain_xml],
      ["请求 URL（签名参数）", result.request_url],
      ["请求体（发往 /wechat）", result.request_body],
      ["响应体（原样）", result.response_body || "（空）"],
      ["回复（解密后）", result.reply_xml || "（无 XML 回复）"],
    ];
    for (const [title, value] of parts) {
      details.append(el("h4", "", title), el("pre", "", value));
    }
    return details;
  }

  // --- exchanges -----------------------------------------------------------------------------

  async function postJson(url, payload) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    });
    return readJson(res);
  }

  async function readJson(res) {
    let data = null;
    try {
      data = await res.json();
    } catch (_) {
      // a proxy's HTML error page, or no body
    }
    if (!res.ok) {
      throw new Error((data && data.error) || "服务器错误（HTTP " + res.status + "）");
    }
    return data;
  }

  // Show my bubble now, then deliver in turn. `prepare` may upload first and return the
  // message fields (a picture needs its media id before the image message can go out).
  function exchange(showMine, kind, fields, prepare) {
    const n = ++exchangeCount;
    const mine = showMine();
    mine.dataset.exchange = String(n);
    mine.dataset.state = "pending";
    mine.classList.add("pending");
    scrollToEnd();
    const openid = currentOpenid();
    const mode = modeSelect.value;
    queue = queue.then(async () => {
      try {
        const ready = prepare ? await prepare() : fields;
        const result = await postJson(urls.send, { openid, mode, kind, fields: ready });
        let anchor;
        if (result.error) {
          anchor = systemLine(result.error, true);
        } else if (result.status !== 200) {
          anchor = systemLine("服务器拒绝了这条消息（HTTP " + result.status + "）：" + result.response_body, true);
        } else if (result.reply) {
          anchor = reply(result.reply, n);
        } else {
          anchor = systemLine("（公众号没有回复）");
        }
        anchor.dataset.exchange = String(n);
        anchor.append(wireDetails(result));
        mine.dataset.state = result.error || result.status !== 200 ? "failed" : "done";
        if (mine.dataset.state === "failed") mine.classList.add("failed");
      } catch (err) {
        const line = systemLine("发送失败：" + err.message, true);
        line.dataset.exchange = String(n);
        mine.dataset.state = "failed";
        mine.classList.add("failed");
      } finally {
        mine.classList.remove("pending");
        scrollToEnd();
        refreshInbox();
      }
    });
    return queue;
  }

  function say(text) {
    if (!text.trim()) return;
    exchange(() => myText(text), "text", { content: text });
  }

  function sendPicture(file) {
    if (file.size > maxBytes) {
      systemLine("图片太大，请选择 " + Math.floor(maxBytes / 1024 / 1024) + " MB 以内的图片", true);
      return;
    }
    const preview = URL.createObjectURL(file);
    let img;
    exchange(
      () => {
        const row = myPicture(preview);
        img = row.querySelector("img");
        return row;
      },
      "image",
      null,
      async () => {
        const form = new FormData();
        form.append("picture", file, file.name || "photo.jpg");
        const uploaded = await readJson(await fetch(urls.upload, { method: "POST", body: form }));
        img.src = uploaded.pic_url; // what the app will see as PicUrl
        URL.revokeObjectURL(preview);
        return { media_id: uploaded.media_id, pic_url: uploaded.pic_url };
      },
    );
  }

  function sendLocation() {
    const lat = $("lat").value.trim();
    const lng = $("lng").value.trim();
    const label = $("label").value.trim();
    exchange(() => myLocation(lat, lng, label), "location", { lat, lng, label, scale: 15 });
  }

  function showExtras(show) {
    $("extras").hidden = !show;
    $("toggle-extras").setAttribute("aria-expanded", String(show));
    scrollToEnd();
  }

  function initComposer() {
    $("composer").addEventListener("submit", (e) => {
      e.preventDefault();
      const text = textInput.value;
      textInput.value = "";
      say(text);
      textInput.focus();
    });
    for (const button of document.querySelectorAll("[data-say]")) {
      button.addEventListener("click", () => say(button.dataset.say));
    }
    $("toggle-extras").addEventListener("click", () => showExtras($("extras").hidden));
    $("picture").addEventListener("change", (e) => {
      const file = e.target.files && e.target.files[0];
      e.target.value = ""; // choosing the same file again must fire again
      if (file) sendPicture(file);
      showExtras(false); // like WeChat: the panel closes once something is sent
    });
    $("location-form").addEventListener("submit", (e) => {
      e.preventDefault();
      sendLocation();
      showExtras(false);
    });
  }

  // --- dev inbox -----------------------------------------------------------------------------

  const STATUS_LABELS = { sent: "已发送", pending: "待发送", failed: "发送失败" };

  function renderInbox(messages) {
    const list = $("inbox-list");
    list.replaceChildren(
      ...messages.slice().reverse().map((m) => {
        const item = el("li", "inbox-item");
        item.dataset.kind = m.kind;
        const head = el("div", "inbox-item-head");
        head.append(
          el("span", "badge " + m.status, STATUS_LABELS[m.status] || m.status),
          el("span", "", m.kind),
          el("span", "", m.channel || ""),
          el("time", "", (m.created_at || "").replace("T", " ").slice(0, 19)),
        );
        item.append(head, el("div", "inbox-item-text", m.text));
        return item;
      }),
    );
    $("inbox-empty").hidden = messages.length > 0;
  }

  let inboxBusy = false;
  async function refreshInbox() {
    const openid = currentOpenid();
    if (inboxBusy || !OPENID.test(openid)) return;
    inboxBusy = true;
    try {
      const res = await fetch(urls.inbox + "?openid=" + encodeURIComponent(openid));
      const data = await readJson(res);
      if (data.openid === currentOpenid()) {
        renderInbox(data.messages);
        $("inbox-meta").textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN", { hour12: false });
      }
    } catch (err) {
      $("inbox-meta").textContent = "刷新失败：" + err.message;
    } finally {
      inboxBusy = false;
    }
  }

  // Opened from an enterprise's poster page (/q/<token>): play the scan WeChat would deliver.
  function scanFromLink() {
    const scene = new URLSearchParams(window.location.search).get("scene");
    if (scene) {
      exchange(() => systemLine("你扫描了企业二维码"), "event", { event: "SCAN", event_key: scene });
    }
  }

  initSettings();
  initComposer();
  scanFromLink();
  refreshInbox();
  setInterval(refreshInbox, INBOX_EVERY_MS);
})();
