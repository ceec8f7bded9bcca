// Scan to sign in: ask for this browser's login code, show it, poll until WeChat's scan is
// confirmed (then go on by itself), refused or expired (then offer a new code).
(function () {
  "use strict";
  var box = document.getElementById("scan-login");
  if (!box) { return; }
  var img = document.getElementById("login-qr");
  var message = document.getElementById("login-message");
  var dev = document.getElementById("login-dev");
  var devLink = document.getElementById("login-dev-link");
  var refresh = document.getElementById("login-refresh");
  var timer = null;
  var deadline = 0;
  var DONE = { refused: true, expired: true, used: true, unknown: true };

  function stop() {
    if (timer !== null) { window.clearTimeout(timer); timer = null; }
  }

  function show(text, state) {
    message.textContent = text;
    box.setAttribute("data-state", state);
  }

  function finish(answer) {
    stop();
    img.hidden = true;
    dev.hidden = true;
    show(answer.message || "请刷新二维码。", answer.status);
    refresh.focus();
  }

  function handle(answer) {
    if (answer.status === "signed_in") {
      stop();
      show(answer.message, "signed_in");
      window.location.assign(answer.next || "/console/");
      return true;
    }
    if (DONE[answer.status]) { finish(answer); return true; }
    if (answer.status === "error") { finish(answer); return true; }
    return false;
  }

  function poll(every) {
    stop();
    timer = window.setTimeout(function () {
      if (Date.now() >= deadline) {
        finish({ status: "expired", message: "二维码已过期，请点击“刷新二维码”后重新扫码。" });
        return;
      }
      window.fetch(box.getAttribute("data-status-url"), {
        credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (resp) { return resp.json(); })
        .then(function (answer) { if (!handle(answer)) { poll(every); } })
        .catch(function () { poll(every * 2); });  // a network hiccup: try again, more slowly
    }, every);
  }

  function load(fresh) {
    stop();
    show("正在生成登录二维码…", "loading");
    window.fetch(box.getAttribute("data-qr-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRF-Token": box.getAttribute("data-csrf")
      },
      body: JSON.stringify({ refresh: fresh, next: box.getAttribute("data-next") })
    }).then(function (resp) {
      return resp.json().catch(function () {
        return { status: "error", message: "页面已过期，请刷新页面后重试。" };
      });
    }).then(function (answer) {
      if (handle(answer)) { return; }
      img.src = answer.image;
      img.hidden = false;
      if (answer.link) {
        devLink.href = answer.link;
        dev.hidden = false;
      } else {
        dev.hidden = true;
      }
      show(answer.message, "pending");
      deadline = Date.now() + 1000 * answer.expires_in;
      poll(answer.poll_ms || 2000);
    }).catch(function () {
      finish({ status: "error", message: "无法连接服务器，请检查网络后点击“刷新二维码”。" });
    });
  }

  refresh.addEventListener("click", function () { load(true); });
  load(false);
})();
