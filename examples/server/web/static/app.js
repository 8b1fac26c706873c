// roster admin pages: the few lines that send a form to the JSON API.
//
// A form with data-api="METHOD /path" is sent as JSON to that path, from this
// origin with the session cookie, as any same-origin fetch is. Its fields
// become the body: data-kind="list" splits a text into a list, "one" wraps a
// value in a list, "many" sends the chosen options of a multiple select as a
// list, "int" sends a number (null when empty), "bool" a checkbox's state. The answer is shown in #flash: the API's detail when it
// refuses, else the form's data-ok text (or a summary of the answer). After a
// success the page's content is read again from the server, or the browser
// goes to data-next (data-then="go") or to the page ?next= names
// (data-then="next"). A form with data-confirm (a destructive action) asks
// first: its question and a "Yes" and a "Cancel" button replace its button,
// and only "Yes" sends it. A form with data-secret="field" creates a secret
// (a SCIM token, an API key) that the answer's field holds this once: after
// the page is read again, it is shown above the content with a copy button,
// and never stored; reading the page again drops it.
(() => {
  'use strict';

  function show(kind, text) {
    const f = document.getElementById('flash');
    if (!f) return;
    f.dataset.kind = kind;
    f.textContent = text;
    f.hidden = false;
    if (kind !== 'busy') f.focus();
  }

  function fieldValue(el) {
    const v = el.value;
    switch (el.dataset.kind) {
      case 'list': return v.split(/[\s,;]+/).filter(Boolean);
      case 'one': return [v];
      case 'int': return v.trim() === '' ? null : Number(v);
      case 'bool': return el.type === 'checkbox' ? el.checked : v === 'true';
      case 'many': return [...el.selectedOptions].map((o) => o.value);
    }
    return el.type === 'checkbox' ? el.checked : v;
  }

  async function body(form) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled || (el.type === 'radio' && !el.checked)) continue;
      out[el.name] = fieldValue(el);
    }
    return 'groupPatch' in form.dataset ? groupPatch(out) : out;
  }

  // groupPatch turns a member removal or a connector change of the group
  // page into the group's PATCH, which replaces both lists. The API has no
  // call for one such change, so the lists are read from the API just
  // before, not taken from the page as it was loaded: a change made
  // elsewhere since (a member added, a connector attached) is kept.
  async function groupPatch(b) {
    const id = document.getElementById('group-state').dataset.groupId;
    let { users, ccs } = await currentGroup(id);
    if ('remove_user_id' in b) users = users.filter((u) => u !== b.remove_user_id);
    if ('add_cc_pair_id' in b && !ccs.includes(b.add_cc_pair_id)) ccs.push(b.add_cc_pair_id);
    if ('remove_cc_pair_id' in b) ccs = ccs.filter((c) => c !== b.remove_cc_pair_id);
    return { user_ids: users, cc_pair_ids: ccs };
  }

  // currentGroup reads group id's member ids and connector ids from the API,
  // every page of each.
  async function currentGroup(id) {
    const size = 1000;
    const users = [];
    for (let page = 0; ; page++) {
      const m = await read('/manage/admin/user-group/' + encodeURIComponent(id) + '/members?page_size=' + size + '&page_num=' + page);
      m.items.forEach((u) => users.push(u.id));
      if (m.items.length < size || users.length >= m.total_items) break;
    }
    for (let page = 0; ; page++) {
      const groups = await read('/manage/admin/user-group?page_size=' + size + '&page_num=' + page);
      const g = groups.find((x) => x.id === id);
      if (g) return { users, ccs: g.cc_pair_ids.slice() };
      if (groups.length < size) throw new Error('the group is no longer listed');
    }
  }

  // read GETs path from the API and returns the decoded answer, or throws
  // the API's refusal.
  async function read(path) {
    const { res, data } = await send('GET', path);
    if (!res.ok) throw new Error(refusal(res, data));
    return data;
  }

  async function send(method, path, payload) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (payload !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(payload);
    }
    const res = await fetch(path, init);
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    return { res, data };
  }

  // refusal is the API's detail: a sentence that already names users,
  // groups and resources.
  function refusal(res, data) {
    return data && data.detail ? data.detail : res.status + ' ' + res.statusText;
  }

  // mail is a mail status as the answer gives it; "sent" by a server that
  // prints mail on its output (data-mail="printed") says so instead.
  function mail(form, status) {
    if (status === 'sent' && form.dataset.mail === 'printed') return "printed on the server's output";
    return status.replace('_', ' ');
  }

  const summaries = {
    invite: (d, form) => d.results.map((r) => r.email + ': ' + r.status.replace('_', ' ')).join('; ') +
      (d.email_invite_status ? ' (mail: ' + mail(form, d.email_invite_status) + ')' : ''),
    resend: (d, form) => (form.dataset.mail === 'printed' && d.email_invite_status === 'sent'
      ? "Invitation link printed again on the server's output."
      : 'Invitation sent again (mail: ' + mail(form, d.email_invite_status) + ').'),
    transfer: (d) => d.transferred.length + ' resource(s) transferred.',
  };

  function success(form, data) {
    const sum = summaries[form.dataset.result];
    return sum && data ? sum(data, form) : form.dataset.ok || 'Done.';
  }

  // refresh reads the page again and replaces its content, keeping #flash.
  async function refresh() {
    const res = await fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (res.redirected) { location.assign(res.url); return; }
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    const fresh = doc.getElementById('content');
    const old = document.getElementById('content');
    if (fresh && old) old.replaceWith(fresh); else location.reload();
  }

  function nextPage() {
    const next = new URLSearchParams(location.search).get('next') || '';
    return next.startsWith('/ui/') ? next : '/ui/';
  }

  // showSecret shows the secret value of what (a SCIM token, an API key)
  // once, above the page's content, with a button that copies it.
  function showSecret(what, value) {
    const content = document.getElementById('content');
    const box = document.createElement('section');
    box.className = 'card secret';
    box.id = 'new-secret';
    box.setAttribute('aria-labelledby', 'new-secret-title');
    const title = document.createElement('h2');
    title.id = 'new-secret-title';
    title.textContent = 'Your new ' + what;
    const hint = document.createElement('p');
    hint.id = 'new-secret-hint';
    hint.textContent = 'Copy it now and keep it somewhere safe: it is shown only this once. ' +
      'roster keeps only a hash of it; if it is lost, create a new one and delete this one.';
    const row = document.createElement('p');
    row.className = 'secret-row';
    const input = document.createElement('input');
    input.id = 'new-secret-value';
    input.className = 'secret-value';
    input.readOnly = true;
    input.value = value;
    input.setAttribute('aria-label', 'The new ' + what);
    input.addEventListener('focus', () => input.select());
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.id = 'copy-secret';
    copy.textContent = 'Copy';
    copy.addEventListener('click', async () => {
      input.select();
      try {
        await navigator.clipboard.writeText(value);
        copy.textContent = 'Copied';
      } catch (e) {
        copy.textContent = document.execCommand('copy') ? 'Copied' : 'Press Ctrl+C to copy';
      }
    });
    row.append(input, copy);
    box.append(title, hint, row);
    content.querySelector('h1').after(box);
  }

  // ask shows form's data-confirm question in place of its buttons, with a
  // button that confirms (data-confirm-yes names it) and one that cancels.
  function ask(form) {
    const box = document.createElement('span');
    box.className = 'confirm';
    box.setAttribute('role', 'alert');
    const yes = document.createElement('button');
    yes.type = 'submit';
    yes.className = 'confirm-yes';
    yes.textContent = form.dataset.confirmYes || 'Yes';
    const no = document.createElement('button');
    no.type = 'button';
    no.className = 'confirm-no';
    no.textContent = 'Cancel';
    no.addEventListener('click', () => settle(form));
    box.append(form.dataset.confirm + ' ', yes, ' ', no);
    form.querySelectorAll('button').forEach((b) => { b.hidden = true; });
    form.dataset.asking = 'yes';
    form.append(box);
    yes.focus();
  }

  // settle puts a form that asked back as it was.
  function settle(form) {
    delete form.dataset.asking;
    form.querySelectorAll('.confirm').forEach((b) => b.remove());
    form.querySelectorAll('button').forEach((b) => { b.hidden = false; });
  }

  async function submit(form) {
    if (form.dataset.confirm && !form.dataset.asking) { ask(form); return; }
    if (form.dataset.asking) settle(form);
    const [method, path] = form.dataset.api.split(' ');
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    show('busy', 'Working…');
    let payload;
    try {
      payload = await body(form);
    } catch (e) {
      show('error', e.message);
      buttons.forEach((b) => { b.disabled = false; });
      return;
    }
    try {
      let { res, data } = await send(method, path, payload);
      if (res.ok && form.dataset.also) {
        const [m2, p2] = form.dataset.also.split(' ');
        const picked = {};
        form.dataset.alsoFields.split(' ').forEach((k) => { picked[k] = payload[k]; });
        ({ res, data } = await send(m2, p2, picked));
      }
      if (!res.ok) { show('error', refusal(res, data)); return; }
      const msg = success(form, data);
      if (form.dataset.then) {
        sessionStorage.setItem('flash', msg);
        location.assign(form.dataset.then === 'next' ? nextPage() : form.dataset.next);
        return;
      }
      await refresh();
      show('ok', msg);
      const secret = form.dataset.secret && data ? data[form.dataset.secret] : '';
      if (secret) showSecret(form.dataset.secretWhat, secret);
    } catch (e) {
      show('error', 'The server could not be reached: ' + e.message);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  document.addEventListener('submit', (ev) => {
    const form = ev.target;
    if (!form.dataset || !form.dataset.api) return;
    ev.preventDefault();
    submit(form);
  });

  // A read-only field marked data-select (the SCIM URL) is selected whole
  // when focused, ready to copy.
  document.addEventListener('focusin', (ev) => {
    if (ev.target.matches && ev.target.matches('input[data-select]')) ev.target.select();
  });

  document.addEventListener('DOMContentLoaded', () => {
    const msg = sessionStorage.getItem('flash');
    if (msg) {
      sessionStorage.removeItem('flash');
      show('ok', msg);
    }
  });
})();
