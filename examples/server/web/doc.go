// Package web serves the example server's admin pages under /ui/: sign in,
// sign up (also with an invitation's token), forgotten and reset passwords,
// your account, Users, Groups and a group's page, Token rate limits with
// usage charts, the Audit trail and Settings. They imitate Onyx's Users and
// Groups pages (Onyx's Users and Groups admin page) over roster's JSON API (docs/http.md).
//
// # How the pages work
//
// Pages are rendered on the server with html/template; templates, the
// stylesheet and the script are embedded (embed.FS), so there is no build
// step and nothing is fetched from the internet.
//
// A page reads its data from the JSON API in-process: New is given the
// handler of the API (Options.API) and each read is a GET through it that
// carries only the browser's Cookie header. The API therefore decides, with
// its own checks, what the signed-in user may see: a curator's Groups page
// lists what the API lists for them, and a page of a group they may not
// see, or an id that does not exist, shows the API's refusal (its status
// and detail), never a server error page. No page reaches into roster
// directly, so the pages cannot allow more than the API does.
//
// Changes are made by the browser: a form carries data-api="METHOD /path"
// and static/app.js sends its fields as JSON to that path with fetch, from
// the same origin and with the session cookie, exactly as any same-origin
// script would; net/http's cross-origin protection in front of the server
// therefore lets it through and refuses the same request from another site.
// The answer is shown in the page's status line (#flash): the API's detail
// when it refuses, a confirmation when it succeeds, after which the page's
// content is read again. Forms are real <form>, <label> and <button>
// elements, so every action works from the keyboard; forms carry
// novalidate so that the API, not the browser, judges empty or malformed
// input and its message is what the user sees.
//
// # Decisions
//
//   - Usage charts are SVG drawn by the server: bars of tokens per UTC day
//     over the last seven days, and for each enabled limit a dashed line at
//     the tokens a day its refill rate lets through (budget × 24 h ÷
//     period), so a budget of any period can be read against daily bars.
//   - The seed's warning ("Inviting Users will disallow new users from
//     automatically joining your workspace!") shows while the gate is in
//     auto mode and no invitation was ever made. The API does not expose the
//     gate's "first invite made" flag; the audit trail's first invite.create
//     event is the same fact.
//   - A group's members and connectors change through the API's group PATCH,
//     which replaces both lists: the page sends the lists it shows with the
//     one change (Onyx does the same), so a concurrent change made elsewhere
//     between reading and sending can be undone.
//   - The Users page names the agents a deactivated user owns (from the
//     agents list) before a delete is tried; document sets do not say who
//     owns them in the API, so a delete they block is explained by the
//     API's refusal, with the names the page knows added.
//   - Pages send no-store, no-referrer (sign-up and reset URLs carry link
//     tokens) and a Content-Security-Policy that allows scripts, styles and
//     connections from this origin only.
package web
