// The video room of the join page, on Agora's Web SDK (loaded here, so a failure can be said and retried).
// The backend is the authority on who is in the session and on the tutor's mutes: the page reports its
// join, a heartbeat and its leave, and reads the room from the answers.
"use strict";
(() => {
  const cfg = JSON.parse(document.getElementById("room-config").textContent);
  const t = cfg.texts;
  const base = location.pathname.replace(/\/$/, "");
  const presenceUrl = base + "/presence";
  const muteUrl = base + "/mute";
  const $ = (id) => document.getElementById(id);
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (all, key) => (key in values ? values[key] : all));

  let client = null;
  let mic = null;
  let camera = null;
  let screen = null;
  let micOn = true;
  let cameraOn = true;
  let joined = false;
  let leaving = false;
  let rejoinDelay = 1000;
  let heartbeat = null;
  let lastMutes = null;
  let people = new Map(); // uid -> {name, role, here}
  const remotes = new Map(); // uid -> AgoraRTC remote user

  // --- what the page says -------------------------------------------------------------------------
  function setNetwork(state, text) {
    const el = $("network");
    el.dataset.state = state;
    el.textContent = text;
  }
  let noticeTimer = null;
  // A notice that asks for nothing goes away by itself; one with a button waits for the tap.
  function notice(text, action) {
    $("notice-text").textContent = text;
    const button = $("notice-action");
    button.hidden = !action;
    if (action) {
      button.textContent = action.label;
      button.onclick = () => { $("notice").hidden = true; action.run(); };
    }
    $("notice").hidden = false;
    clearTimeout(noticeTimer);
    if (!action) noticeTimer = setTimeout(() => ($("notice").hidden = true), 8000);
  }
  function problem(text, retry) {
    $("problem-text").textContent = text;
    $("retry").onclick = () => { $("problem").hidden = true; retry(); };
    $("problem").hidden = false;
  }
  function setControl(id, pressed, label) {
    const button = $(id);
    if (!button) return;
    button.setAttribute("aria-pressed", String(pressed));
    button.querySelector(".label").textContent = label;
  }

  // --- tiles --------------------------------------------------------------------------------------
  function nameOf(uid) {
    if (uid === cfg.uid) return t.you;
    const person = people.get(uid);
    return person && person.name ? person.name : t.guest;
  }
  function isTutor(uid) { return uid === cfg.tutorUid; }
  function tileOf(uid) {
    let tile = document.querySelector(`.tile[data-uid="${uid}"]`);
    if (!tile) {
      tile = document.createElement("div");
      tile.className = "tile";
      tile.dataset.uid = String(uid);
      tile.innerHTML = '<div class="video"><span class="avatar"></span></div><span class="name"></span>';
      place(tile, uid);
    }
    labelTile(tile, uid);
    return tile;
  }
  function labelTile(tile, uid) {
    const name = nameOf(uid);
    const person = people.get(uid);
    // Oneself is labelled "You", but pictured by one's own initial.
    tile.querySelector(".avatar").textContent = ((person && person.name) || name).slice(0, 1).toUpperCase();
    const label = tile.querySelector(".name");
    label.textContent = name;
    if (isTutor(uid)) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = t.tutor;
      label.append(badge);
    }
  }
  // Group: the tutor is the large tile, students small; the tutor herself sees her students as a grid.
  // 1-to-1: the other person large, oneself small.
  const teachingGrid = cfg.role === "tutor" && !cfg.oneToOne;
  if (teachingGrid) $("spotlight").classList.add("grid");
  function place(tile, uid) {
    const large = cfg.oneToOne || teachingGrid ? uid !== cfg.uid : isTutor(uid);
    const spotlight = $("spotlight");
    const area = large && (teachingGrid || !spotlight.querySelector(".tile")) ? spotlight : $("strip");
    area.append(tile);
    $("waiting").hidden = !!$("spotlight").querySelector(".tile");
  }
  function dropTile(uid) {
    const tile = document.querySelector(`.tile[data-uid="${uid}"]`);
    if (tile) tile.remove();
    $("waiting").hidden = !!$("spotlight").querySelector(".tile");
  }
  function showVideo(uid, track) {
    const tile = tileOf(uid);
    const holder = tile.querySelector(".video");
    holder.querySelector(".avatar").hidden = true;
    track.play(holder);
  }
  function hideVideo(uid) {
    const tile = document.querySelector(`.tile[data-uid="${uid}"]`);
    if (!tile) return;
    tile.querySelectorAll(".video > :not(.avatar)").forEach((el) => el.remove());
    tile.querySelector(".avatar").hidden = false;
  }
  function relabel() {
    document.querySelectorAll(".tile").forEach((tile) => labelTile(tile, Number(tile.dataset.uid)));
  }

  // --- the participants panel ---------------------------------------------------------------------
  function renderPeople() {
    const list = $("people");
    list.replaceChildren();
    let here = 0;
    for (const [uid, person] of people) {
      const inVideo = uid === cfg.uid ? joined : person.here || remotes.has(uid);
      here += inVideo ? 1 : 0;
      const item = document.createElement("li");
      item.dataset.uid = String(uid);
      const who = document.createElement("span");
      who.textContent = uid === cfg.uid ? `${person.name} (${t.you})` : person.name;
      if (person.role === "tutor") who.textContent += ` · ${t.tutor}`;
      const state = document.createElement("span");
      state.className = "state";
      state.textContent = inVideo ? t.here : t.not_here;
      item.append(who, state);
      if (cfg.role === "tutor" && person.role === "student" && inVideo) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "mute-person";
        button.textContent = fill(t.mute_person, { name: person.name });
        button.onclick = () => muteStudent(uid, person.name);
        item.append(button);
      }
      list.append(item);
    }
    $("people-count").textContent = String(here);
  }
  async function muteStudent(uid, name) {
    try {
      const response = await fetch(muteUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ uid }),
      });
      if (response.ok) {
        notice(fill(t.muted_person, { name }));
      } else {
        const body = await response.json().catch(() => ({}));
        notice(fill(t.mute_failed, { reason: body.message || response.status }));
      }
    } catch (error) {
      notice(fill(t.mute_failed, { reason: String(error) }));
    }
  }

  // --- presence: the backend keeps attendance and tells the page the room ---------------------------
  async function report(kind) {
    try {
      const response = await fetch(presenceUrl, { method: "POST", body: kind });
      if (response.ok && response.status !== 204) applyRoom(await response.json());
    } catch (error) {
      // A lost heartbeat is retried by the next one; the SDK reports the network itself.
    }
  }
  function applyRoom(room) {
    people = new Map(room.people.map((p) => [p.uid, p]));
    relabel();
    renderPeople();
    if (lastMutes !== null && room.mutes > lastMutes && mic && micOn) {
      setMic(false);
      notice(fill(t.muted_by_tutor, { tutor: cfg.tutorName }));
    }
    lastMutes = room.mutes;
    if (room.status !== "in_progress") over();
  }
  function startHeartbeat() {
    stopHeartbeat();
    heartbeat = setInterval(() => report("heartbeat"), cfg.heartbeatSeconds * 1000);
  }
  function stopHeartbeat() {
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
  }
  function beaconLeft() {
    if (joined) navigator.sendBeacon(presenceUrl, "left");
  }

  // --- the SDK ------------------------------------------------------------------------------------
  function loadSdk() {
    if (window.AgoraRTC) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = cfg.sdkUrl;
      if (cfg.sdkIntegrity) {
        script.integrity = cfg.sdkIntegrity;
        script.crossOrigin = "anonymous";
      }
      script.onload = () => (window.AgoraRTC ? resolve() : reject(new Error("AgoraRTC missing")));
      script.onerror = () => { script.remove(); reject(new Error("sdk")); };
      document.head.append(script);
    });
  }

  async function begin() {
    setNetwork("connecting", t.connecting);
    try {
      await loadSdk();
    } catch (error) {
      setNetwork("left", t.no_video);
      problem(t.sdk_missing, begin);
      return;
    }
    if (!client) {
      client = AgoraRTC.createClient({ mode: "rtc", codec: "vp8" });
      wireClient();
      // A tap anywhere lets the browser play the others' sound; the button gives the reason to tap.
      AgoraRTC.onAutoplayFailed = () => notice(t.sound_blocked, { label: t.sound_on, run: () => {} });
    }
    await enter();
  }

  let rejoinTimer = null;
  async function enter() {
    clearTimeout(rejoinTimer);
    leaving = false;
    try {
      await client.join(cfg.appId, cfg.channel, cfg.token, cfg.uid);
    } catch (error) {
      // It keeps trying by itself, a little slower each time; Retry tries at once.
      setNetwork("rejoining", t.rejoining);
      problem(t.join_failed, enter);
      scheduleRejoin();
      return;
    }
    $("problem").hidden = true;
    joined = true;
    rejoinDelay = 1000;
    tileOf(cfg.uid);
    await report("joined");
    startHeartbeat();
    await openDevices();
    renderPeople();
  }

  function deviceProblem(error) {
    const code = (error && (error.code || error.name)) || "";
    return /PERMISSION|NotAllowed|Security/i.test(code) ? t.denied : /NOT_FOUND|NotFound|DEVICE/i.test(code) ? t.no_devices : t.join_failed;
  }
  // The microphone and the camera are asked for apart: a missing camera still lets the person speak.
  async function openDevices() {
    let failure = null;
    const opened = [];
    // New tracks (after a rejoin, or a retry) start as the person last left their buttons: someone who
    // muted themselves stays muted through a network drop.
    if (!mic) {
      try {
        mic = await AgoraRTC.createMicrophoneAudioTrack();
        if (!micOn) await mic.setMuted(true);
        opened.push(mic);
      } catch (error) { failure = error; }
    }
    if (!camera) {
      try {
        camera = await AgoraRTC.createCameraVideoTrack();
        if (!cameraOn) await camera.setEnabled(false);
        if (!screen) opened.push(camera); // a shared screen holds the video until it stops
      } catch (error) { failure = failure || error; }
    }
    if (opened.length) await client.publish(opened);
    if (camera && cameraOn && !screen) showVideo(cfg.uid, camera);
    $("mic").disabled = !mic;
    $("camera").disabled = !camera;
    if ($("share")) $("share").disabled = false;
    if (failure) {
      const text = deviceProblem(failure);
      if (text === t.no_devices) notice(text);
      else problem(text, openDevices);
    }
    await listDevices();
  }

  function wireClient() {
    client.on("connection-state-change", (current, previous, reason) => {
      if (current === "CONNECTED") setNetwork("connected", t.connected);
      else if (current === "RECONNECTING") setNetwork("reconnecting", t.reconnecting);
      else if (current === "CONNECTING") setNetwork("connecting", t.connecting);
      // Only a drop from inside the channel: a join that fails is retried by enter() itself.
      else if (current === "DISCONNECTED" && joined && !leaving && reason !== "LEAVE") dropped();
    });
    client.on("user-joined", (user) => {
      remotes.set(user.uid, user);
      tileOf(user.uid);
      if (!people.has(user.uid)) report("heartbeat");
      renderPeople();
    });
    client.on("user-published", async (user, kind) => {
      remotes.set(user.uid, user);
      await client.subscribe(user, kind);
      if (kind === "video") showVideo(user.uid, user.videoTrack);
      if (kind === "audio") user.audioTrack.play();
      micState(user.uid);
    });
    client.on("user-unpublished", (user, kind) => {
      if (kind === "video") hideVideo(user.uid);
      micState(user.uid);
    });
    client.on("user-info-updated", (uid) => micState(uid));
    client.on("user-left", (user) => {
      remotes.delete(user.uid);
      dropTile(user.uid);
      renderPeople();
    });
  }
  function micState(uid) {
    const user = remotes.get(uid);
    const tile = document.querySelector(`.tile[data-uid="${uid}"]`);
    if (tile && user) tile.dataset.mic = user.hasAudio ? "on" : "off";
  }

  // The SDK reconnects by itself through short drops; when it gives up, the page enters again.
  function dropped() {
    joined = false;
    stopHeartbeat();
    remotes.forEach((user, uid) => dropTile(uid));
    remotes.clear();
    hideVideo(cfg.uid);
    mic = closeTrack(mic);
    camera = closeTrack(camera);
    screen = closeTrack(screen);
    if ($("share")) setControl("share", false, t.share);
    // Nothing to switch until the tracks are open again; the buttons keep what the person chose.
    ["mic", "camera", "share"].forEach((id) => $(id) && ($(id).disabled = true));
    setNetwork("rejoining", t.rejoining);
    scheduleRejoin();
  }
  function scheduleRejoin() {
    const delay = rejoinDelay;
    rejoinDelay = Math.min(rejoinDelay * 2, 15000);
    clearTimeout(rejoinTimer);
    rejoinTimer = setTimeout(() => leaving || enter(), delay);
  }
  function closeTrack(track) {
    if (track) { track.stop(); track.close(); }
    return null;
  }

  // --- controls -----------------------------------------------------------------------------------
  function setMic(on) {
    micOn = on;
    if (mic) mic.setMuted(!on);
    setControl("mic", !on, on ? t.mute : t.unmute);
    const tile = document.querySelector(`.tile[data-uid="${cfg.uid}"]`);
    if (tile) tile.dataset.mic = on ? "on" : "off";
  }
  $("mic").onclick = () => setMic(!micOn);
  $("camera").onclick = async () => {
    cameraOn = !cameraOn;
    if (camera) await camera.setEnabled(cameraOn);
    if (cameraOn && camera && !screen) showVideo(cfg.uid, camera);
    if (!cameraOn && !screen) hideVideo(cfg.uid);
    setControl("camera", !cameraOn, cameraOn ? t.camera_off : t.camera_on);
  };
  if ($("share")) {
    $("share").onclick = () => (screen ? stopSharing() : startSharing());
  }
  // One video per person in the channel: the screen takes the camera's place while it is shared.
  async function startSharing() {
    try {
      screen = await AgoraRTC.createScreenVideoTrack({}, "disable");
    } catch (error) {
      notice(t.share_failed);
      return;
    }
    screen.on("track-ended", stopSharing);
    if (camera) await client.unpublish([camera]);
    await client.publish([screen]);
    hideVideo(cfg.uid);
    showVideo(cfg.uid, screen);
    setControl("share", true, t.stop_share);
  }
  async function stopSharing() {
    if (!screen) return;
    const ended = screen;
    screen = null;
    await client.unpublish([ended]);
    closeTrack(ended);
    hideVideo(cfg.uid);
    if (camera) {
      await client.publish([camera]);
      if (cameraOn) showVideo(cfg.uid, camera);
    }
    setControl("share", false, t.share);
  }

  async function listDevices() {
    const fillSelect = async (select, list) => {
      select.replaceChildren();
      for (const device of list) {
        const option = document.createElement("option");
        option.value = device.deviceId;
        option.textContent = device.label || device.deviceId;
        select.append(option);
      }
    };
    try {
      if (camera) await fillSelect($("camera-select"), await AgoraRTC.getCameras());
      if (mic) await fillSelect($("microphone-select"), await AgoraRTC.getMicrophones());
    } catch (error) {
      // Without device permission there is nothing to choose from.
    }
  }
  $("camera-select").onchange = (event) => camera && camera.setDevice(event.target.value);
  $("microphone-select").onchange = (event) => mic && mic.setDevice(event.target.value);

  function toggle(panel) {
    const el = $(panel);
    const opening = el.hidden;
    document.querySelectorAll(".panel").forEach((p) => (p.hidden = true));
    el.hidden = !opening;
  }
  $("people-button").onclick = () => { renderPeople(); toggle("people-panel"); };
  $("devices-button").onclick = () => toggle("devices-panel");
  document.querySelectorAll("[data-close]").forEach((button) => {
    button.onclick = () => ($(button.dataset.close).hidden = true);
  });

  async function leave(text, state) {
    leaving = true;
    clearTimeout(rejoinTimer);
    stopHeartbeat();
    beaconLeft();
    joined = false;
    mic = closeTrack(mic);
    camera = closeTrack(camera);
    screen = closeTrack(screen);
    if (client) await client.leave();
    remotes.clear();
    document.querySelectorAll(".tile").forEach((tile) => tile.remove());
    $("waiting").hidden = false;
    $("waiting").textContent = text;
    setNetwork(state, text);
    ["mic", "camera", "share"].forEach((id) => $(id) && ($(id).disabled = true));
  }
  function over() {
    if (!leaving) leave(t.over, "over");
    $("leave").disabled = true;
  }
  $("leave").onclick = async () => {
    if (leaving) {
      $("leave").querySelector(".label").textContent = t.leave;
      $("waiting").textContent = waitingText();
      await enter();
      return;
    }
    await leave(t.left, "left");
    $("leave").querySelector(".label").textContent = t.rejoin;
  };
  window.addEventListener("pagehide", beaconLeft);

  // --- the clock ----------------------------------------------------------------------------------
  const endsAt = new Date(cfg.endsAt).getTime();
  function tick() {
    const left = Math.round((endsAt - Date.now()) / 1000);
    if (left <= 0) {
      $("countdown").textContent = t.time_up;
      return;
    }
    const h = Math.floor(left / 3600);
    const m = Math.floor((left % 3600) / 60);
    const s = left % 60;
    const pad = (n) => String(n).padStart(2, "0");
    $("countdown").textContent = fill(t.ends_in, { time: h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}` });
  }
  tick();
  setInterval(tick, 1000);

  function waitingText() {
    return cfg.role === "tutor" ? t.waiting_others : fill(t.waiting_for, { tutor: cfg.tutorName });
  }
  $("waiting").textContent = waitingText();
  begin();
})();
