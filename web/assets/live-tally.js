// The sitting page's live tally: follows /sittings/{id}/live (server-sent events) and
// rewrites the counts, what the votes say, quorum and status in place. Without
// JavaScript the page is complete as served, and a reload shows the same. The words
// are the server's (web/src/pages/panels/mod.rs view_text, core QuorumCheck::shortfall).
const table = document.getElementById('tally')
const note = document.getElementById('live-note')
const VIEWS = {
  carried: 'Carried',
  not_carried: 'Not carried',
  tie_chair_casts: "Tied: the chair's decision is the casting vote",
  defer: 'Tied or no consensus: the rule defers it',
  chair_decides: 'The chair decides; votes are advice',
  no_votes: 'No votes yet'
}
const words = (code) => {
  const spaced = String(code).replace(/_/g, ' ')
  return spaced.charAt(0).toUpperCase() + spaced.slice(1)
}
const set = (scope, field, text) => {
  const cell = scope.querySelector(`[data-live="${field}"]`)
  if (cell && cell.textContent !== String(text)) cell.textContent = String(text)
}
const quorum = (q) => {
  if (q.met) return 'Met'
  const parts = []
  if (q.counted < q.min_members) parts.push(`${q.counted} of the ${q.min_members} members needed are present and free of conflicts`)
  if (q.missing_roles.length) parts.push(`nobody present to sit as ${q.missing_roles.map((r) => r.replace(/_/g, ' ')).join(', ')}`)
  return parts.length ? `Not met: ${parts.join('; ')}` : 'Not met'
}
if (table && 'EventSource' in window) {
  const source = new EventSource(`/sittings/${table.dataset.sitting}/live`)
  source.addEventListener('open', () => { note.textContent = 'The tally updates as members vote.' })
  source.addEventListener('tally', (event) => {
    const tally = JSON.parse(event.data)
    set(document, 'status', words(tally.status))
    set(document, 'present', tally.present)
    const present = new Set(tally.present_members)
    for (const member of document.querySelectorAll('#members [data-member]')) {
      if (!present.has(member.dataset.member)) continue
      const tag = member.querySelector('[data-live="member"]')
      if (tag && tag.textContent !== 'Present') {
        tag.textContent = 'Present'
        tag.classList.replace('govuk-tag--grey', 'govuk-tag--green')
      }
      const mark = member.querySelector('[data-live="mark"]')
      if (mark) mark.remove()
    }
    for (const item of tally.items) {
      const row = table.querySelector(`[data-item="${item.item}"]`)
      if (!row) continue
      set(row, 'agree', item.counts.agree)
      set(row, 'disagree', item.counts.disagree)
      set(row, 'abstain', item.counts.abstain)
      set(row, 'view', VIEWS[item.view] || words(item.view))
      set(row, 'quorum', quorum(item.quorum))
      if (item.status !== 'pending') set(row, 'item-status', words(item.status))
    }
    table.dataset.updates = String(Number(table.dataset.updates || 0) + 1)
  })
  source.addEventListener('error', () => { note.textContent = 'Live updates paused; reconnecting. Reload the page to see the latest votes.' })
}
