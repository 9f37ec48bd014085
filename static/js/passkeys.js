// Passkeys in tandem: the browser's WebAuthn API for the three ceremonies
// (register, sign in, confirm a weighty action). Everything here is an
// addition to pages that work without it: the elements it drives are
// hidden until this script finds a browser that can use passkeys.
(function () {
  'use strict';
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  // base64url <-> bytes, as webauthn-rs writes them.
  function decode(text) {
    var base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (base64.length % 4) base64 += '=';
    return Uint8Array.from(atob(base64), function (c) { return c.charCodeAt(0); }).buffer;
  }
  function encode(buffer) {
    var bytes = new Uint8Array(buffer), text = '';
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  // Drops nulls, which the browser's dictionaries refuse.
  function clean(value) {
    if (Array.isArray(value)) return value.map(clean);
    if (value && typeof value === 'object' && !(value instanceof ArrayBuffer)) {
      var out = {};
      Object.keys(value).forEach(function (key) {
        if (value[key] !== null && value[key] !== undefined) out[key] = clean(value[key]);
      });
      return out;
    }
    return value;
  }

  function post(url, token, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) throw new Error(json.error || 'tandem refused the request (' + response.status + ').');
        return json;
      });
    });
  }

  function creationOptions(options) {
    var key = clean(options.publicKey);
    key.challenge = decode(key.challenge);
    key.user.id = decode(key.user.id);
    (key.excludeCredentials || []).forEach(function (c) { c.id = decode(c.id); });
    return { publicKey: key };
  }
  function requestOptions(options) {
    var key = clean(options.publicKey);
    key.challenge = decode(key.challenge);
    (key.allowCredentials || []).forEach(function (c) { c.id = decode(c.id); });
    return { publicKey: key };
  }
  function registered(credential) {
    var r = credential.response;
    return {
      id: credential.id, rawId: encode(credential.rawId), type: credential.type,
      response: {
        attestationObject: encode(r.attestationObject),
        clientDataJSON: encode(r.clientDataJSON),
        transports: r.getTransports ? r.getTransports() : undefined
      },
      extensions: credential.getClientExtensionResults()
    };
  }
  function asserted(credential) {
    var r = credential.response;
    return {
      id: credential.id, rawId: encode(credential.rawId), type: credential.type,
      response: {
        authenticatorData: encode(r.authenticatorData),
        clientDataJSON: encode(r.clientDataJSON),
        signature: encode(r.signature),
        userHandle: r.userHandle ? encode(r.userHandle) : null
      },
      extensions: credential.getClientExtensionResults()
    };
  }

  function say(container, words) {
    var place = container.querySelector('[data-passkey-error]');
    if (!place) return;
    place.textContent = words;
    place.hidden = !words;
  }
  function failed(container, error) {
    var words = error && error.name === 'NotAllowedError'
      ? 'The passkey was not used (cancelled, or it took too long).'
      : (error && error.message) || 'The passkey did not work.';
    say(container, words);
  }

  document.querySelectorAll('[data-passkey]').forEach(function (container) {
    container.hidden = false;
    var kind = container.getAttribute('data-passkey');
    var token = container.getAttribute('data-csrf');
    var begin = container.getAttribute('data-begin');
    var finish = container.getAttribute('data-finish');
    var trigger = container.querySelector('[data-passkey-go]');
    if (!trigger) return;
    trigger.addEventListener('click', function (event) {
      event.preventDefault();
      say(container, '');
      trigger.disabled = true;
      var done = function () { trigger.disabled = false; };
      if (kind === 'register') {
        var nameField = container.querySelector('input[name=passkey_name]');
        var name = nameField ? nameField.value : '';
        post(begin, token).then(function (begun) {
          return navigator.credentials.create(creationOptions(begun.options)).then(function (credential) {
            return post(finish, token, { ceremony: begun.ceremony, name: name, credential: registered(credential) });
          });
        }).then(function (finished) { window.location.assign(finished.redirect); })
          .catch(function (error) { failed(container, error); done(); });
      } else {
        post(begin, token).then(function (begun) {
          return navigator.credentials.get(requestOptions(begun.options)).then(function (credential) {
            return post(finish, token, { ceremony: begun.ceremony, credential: asserted(credential) });
          });
        }).then(function (finished) {
          if (kind === 'confirm') {
            // The session is confirmed: send the form this sits in, with no password.
            var form = container.closest('form');
            var password = form.querySelector('input[type=password]');
            if (password) password.value = '';
            form.submit();
          } else {
            window.location.assign(finished.redirect);
          }
        }).catch(function (error) { failed(container, error); done(); });
      }
    });
  });
})();
