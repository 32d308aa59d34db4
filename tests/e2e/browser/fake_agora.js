// A stand-in for Agora's Web SDK (the AgoraRTC global), served in place of the SDK's URL in browser tests
// only. It records what the page asks of it (window.fakeAgora.calls) and lets a test play the other side:
// remote people joining, publishing and leaving, the network dropping, devices refused. Local tracks
// are real: the camera is Chromium's fake device (--use-fake-device-for-media-stream), so screenshots
// show a moving picture.
(() => {
  const calls = [];
  const record = (method, args) => calls.push({ method, args: JSON.parse(JSON.stringify(args ?? null)) });
  // A test sets window.fakeAgoraSettings (page.add_init_script) for what must hold from the first call.
  const settings = window.fakeAgoraSettings || {};
  const control = {
    calls,
    refuse: settings.refuse || null, // "PERMISSION_DENIED" or "DEVICE_NOT_FOUND": local tracks fail so
    failJoins: settings.failJoins || 0, // how many joins fail before one succeeds
    client: null,
    tracks: [],
  };

  class AgoraRTCError extends Error {
    constructor(code, message) {
      super(`AgoraRTCError ${code}: ${message}`);
      this.name = "AgoraRTCException";
      this.code = code;
    }
  }

  class Emitter {
    constructor() { this.listeners = {}; }
    on(event, listener) { (this.listeners[event] = this.listeners[event] || []).push(listener); }
    off(event, listener) { this.listeners[event] = (this.listeners[event] || []).filter((l) => l !== listener); }
    emit(event, ...args) { for (const listener of this.listeners[event] || []) listener(...args); }
  }

  let trackIds = 0;
  class LocalTrack extends Emitter {
    constructor(kind, stream) {
      super();
      this.kind = kind;
      this.id = `${kind}-${++trackIds}`;
      this.stream = stream;
      this.muted = false;
      this.enabled = true;
      this.deviceId = null;
      this.closed = false;
      this.element = null;
      control.tracks.push(this);
    }
    play(target) {
      record("track.play", { id: this.id, kind: this.kind });
      const holder = typeof target === "string" ? document.getElementById(target) : target;
      if (this.kind === "audio" || !holder) return;
      const video = document.createElement("video");
      video.dataset.track = this.id;
      video.muted = true;
      video.autoplay = true;
      video.playsInline = true;
      if (this.stream) video.srcObject = this.stream;
      holder.append(video);
      this.element = video;
    }
    stop() {
      if (this.element) this.element.remove();
      this.element = null;
    }
    close() {
      record("track.close", { id: this.id });
      this.stop();
      this.closed = true;
      if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    }
    async setMuted(muted) { record("track.setMuted", { id: this.id, kind: this.kind, muted }); this.muted = muted; }
    async setEnabled(enabled) { record("track.setEnabled", { id: this.id, kind: this.kind, enabled }); this.enabled = enabled; }
    async setDevice(deviceId) { record("track.setDevice", { id: this.id, kind: this.kind, deviceId }); this.deviceId = deviceId; }
  }

  async function media(kind) {
    if (control.refuse) throw new AgoraRTCError(control.refuse, `${kind} refused`);
    try {
      return await navigator.mediaDevices.getUserMedia(kind === "video" ? { video: true } : { audio: true });
    } catch (error) {
      throw new AgoraRTCError(error.name === "NotAllowedError" ? "PERMISSION_DENIED" : "DEVICE_NOT_FOUND", error.message);
    }
  }

  class RemoteUser {
    constructor(uid) {
      this.uid = uid;
      this.hasAudio = false;
      this.hasVideo = false;
      this.audioTrack = undefined;
      this.videoTrack = undefined;
    }
  }

  class Client extends Emitter {
    constructor(config) {
      super();
      record("createClient", config);
      this.connectionState = "DISCONNECTED";
      this.published = [];
      this.remoteUsers = [];
      control.client = this;
    }
    setState(state, reason) {
      const previous = this.connectionState;
      this.connectionState = state;
      this.emit("connection-state-change", state, previous, reason);
    }
    async join(appId, channel, token, uid) {
      record("join", { appId, channel, token, uid });
      this.setState("CONNECTING");
      if (control.failJoins > 0) {
        control.failJoins -= 1;
        this.setState("DISCONNECTED", "NETWORK_ERROR");
        throw new AgoraRTCError("NETWORK_ERROR", "join failed");
      }
      this.uid = uid;
      this.setState("CONNECTED");
      for (const user of this.remoteUsers) this.emit("user-joined", user);
      return uid;
    }
    async leave() {
      record("leave", {});
      this.published = [];
      this.setState("DISCONNECTED", "LEAVE");
    }
    async publish(tracks) {
      const list = Array.isArray(tracks) ? tracks : [tracks];
      record("publish", list.map((t) => ({ id: t.id, kind: t.kind, screen: !!t.screen })));
      this.published.push(...list);
    }
    async unpublish(tracks) {
      const list = Array.isArray(tracks) ? tracks : [tracks];
      record("unpublish", list.map((t) => ({ id: t.id, kind: t.kind, screen: !!t.screen })));
      this.published = this.published.filter((t) => !list.includes(t));
    }
    async subscribe(user, kind) {
      record("subscribe", { uid: user.uid, kind });
      const track = {
        play(target) {
          record("remote.play", { uid: user.uid, kind });
          if (kind !== "video") return;
          const holder = typeof target === "string" ? document.getElementById(target) : target;
          const canvas = document.createElement("canvas");
          canvas.width = 160;
          canvas.height = 120;
          const context = canvas.getContext("2d");
          context.fillStyle = `hsl(${(user.uid * 67) % 360}, 60%, 40%)`;
          context.fillRect(0, 0, 160, 120);
          canvas.dataset.remote = String(user.uid);
          canvas.style.width = "100%";
          canvas.style.height = "100%";
          holder.append(canvas);
        },
        stop() {},
      };
      if (kind === "video") user.videoTrack = track;
      else user.audioTrack = track;
      return track;
    }
  }

  // What a test does as the other side.
  control.remoteJoin = (uid, { audio = true, video = true } = {}) => {
    const client = control.client;
    const user = new RemoteUser(uid);
    client.remoteUsers.push(user);
    client.emit("user-joined", user);
    if (video) { user.hasVideo = true; client.emit("user-published", user, "video"); }
    if (audio) { user.hasAudio = true; client.emit("user-published", user, "audio"); }
  };
  control.remoteMute = (uid) => {
    const client = control.client;
    const user = client.remoteUsers.find((u) => u.uid === uid);
    user.hasAudio = false;
    client.emit("user-unpublished", user, "audio");
  };
  control.remoteLeave = (uid) => {
    const client = control.client;
    const user = client.remoteUsers.find((u) => u.uid === uid);
    client.remoteUsers = client.remoteUsers.filter((u) => u !== user);
    client.emit("user-left", user, "Quit");
  };
  control.networkBlip = () => {
    control.client.setState("RECONNECTING", "NETWORK_ERROR");
  };
  control.networkBack = () => {
    control.client.setState("CONNECTED");
  };
  control.networkLost = () => {
    control.client.remoteUsers = [];
    control.client.published = [];
    control.client.setState("DISCONNECTED", "NETWORK_ERROR");
  };
  control.endScreenShare = () => {
    const screen = control.tracks.find((t) => t.screen && !t.closed);
    screen.emit("track-ended");
  };
  control.published = () => control.client.published.map((t) => ({ kind: t.kind, screen: !!t.screen, muted: t.muted, enabled: t.enabled }));
  control.methods = () => calls.map((c) => c.method);

  window.fakeAgora = control;
  window.AgoraRTC = {
    VERSION: "fake",
    createClient: (config) => new Client(config),
    async createMicrophoneAudioTrack() {
      record("createMicrophoneAudioTrack", {});
      return new LocalTrack("audio", await media("audio"));
    },
    async createCameraVideoTrack() {
      record("createCameraVideoTrack", {});
      return new LocalTrack("video", await media("video"));
    },
    async createScreenVideoTrack(config, withAudio) {
      record("createScreenVideoTrack", { withAudio });
      const canvas = document.createElement("canvas");
      canvas.width = 320;
      canvas.height = 180;
      const track = new LocalTrack("video", canvas.captureStream(5));
      track.screen = true;
      return track;
    },
    async getCameras() {
      return [{ deviceId: "cam-front", label: "Front camera", kind: "videoinput" }, { deviceId: "cam-back", label: "Back camera", kind: "videoinput" }];
    },
    async getMicrophones() {
      return [{ deviceId: "mic-built-in", label: "Built-in microphone", kind: "audioinput" }, { deviceId: "mic-headset", label: "Headset", kind: "audioinput" }];
    },
    onAutoplayFailed: undefined,
  };
})();
