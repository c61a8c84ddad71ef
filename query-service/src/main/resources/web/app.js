// The search page: plain browser JavaScript against the HTTP API (README "The HTTP API").
// The URL holds what is shown (?library=&q= or &vector=, &k=, &filter=, &document=), so a search
// can be reloaded, shared, or opened by a test. Whatever the API answers is rendered as text,
// never parsed as HTML: chunk texts and metadata are anyone's input.
'use strict';

const KEY_STORAGE = 'vectorstream.apiKey';
const PAGE_SIZE = 100;
/** The request field an API error names, and the input the user types it in. */
const INPUT_OF_FIELD = {text: 'q', vector: 'vector', k: 'k', filter: 'filter'};

/** The layout of style.css for a phone: one column, the form above the results. */
const NARROW = window.matchMedia('(max-width: 720px)');

const $ = (id) => document.getElementById(id);
const form = $('search-form');
let library = null; // the selected library's record, as GET /v1/libraries/{lib} answers it
let shownSearch = null; // the search the results are of, so that going back does not repeat it
let searches = 0; // only the latest search may render its answer

/** An error answer of the API, {"error": {"code", "message", "field"}}, with its status. */
class ApiError extends Error {
  constructor(status, error) {
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.field = error.field || null;
  }
}

/** An input the page refuses before sending anything (a filter that is not JSON). */
class InputError extends Error {
  constructor(inputId, message) {
    super(message);
    this.inputId = inputId;
  }
}

// ---- the API ----

async function api(path, body) {
  const init = {method: body === undefined ? 'GET' : 'POST', headers: {Accept: 'application/json'}};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) {
    init.headers['X-Api-Key'] = key;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (failure) {
    throw new ApiError(0, {code: 'unreachable', message: `the service cannot be reached (${failure.message})`});
  }
  const json = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, (json && json.error)
        || {code: `http_${response.status}`, message: `${response.status} ${response.statusText}`});
  }
  return json;
}

/** Every item of a paged listing, page after page while it names a nextCursor. */
async function listAll(path) {
  const items = [];
  let cursor = null;
  do {
    const page = await api(`${path}?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

// Relative paths: the page also works behind a proxy that serves the service under a prefix.
const libraryPath = (id) => `v1/libraries/${encodeURIComponent(id)}`;
const documentPath = (id, documentId) => `${libraryPath(id)}/documents/${encodeURIComponent(documentId)}`;

// ---- the URL ----

function stateFromUrl() {
  const params = new URLSearchParams(location.search);
  const value = (name, fallback = '') => (params.get(name) || fallback).trim();
  return {library: value('library'), q: value('q'), vector: value('vector'), k: value('k', '10'),
    filter: value('filter'), document: value('document')};
}

function stateFromForm() {
  const byVector = form.elements.by.value === 'vector';
  return {library: $('library').value.trim(), q: byVector ? '' : $('q').value.trim(),
    vector: byVector ? $('vector').value.trim() : '', k: $('k').value.trim(), filter: $('filter').value.trim(),
    document: ''};
}

function urlOf(state) {
  const params = new URLSearchParams();
  Object.entries(state).filter(([, value]) => value).forEach(([name, value]) => params.set(name, value));
  return `?${params}`;
}

const searchOf = (state) => JSON.stringify([state.library, state.q, state.vector, state.k, state.filter]);

// ---- rendering ----

const SEPARATOR = ' \u00b7 '; // a middle dot between facts
const count = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** An element with attributes and children; strings become text nodes, never markup. */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function metadataList(metadata) {
  const entries = Object.entries(metadata || {});
  if (entries.length === 0) {
    return null;
  }
  const list = el('dl', {class: 'metadata'});
  entries.forEach(([name, value]) => list.append(el('dt', null, name),
      el('dd', null, typeof value === 'string' ? value : JSON.stringify(value))));
  return list;
}

const textOf = (text) => (text ? el('p', {class: 'text'}, text) : el('p', {class: 'text none'}, '(no text)'));

function documentLink(libraryId, documentId) {
  const link = el('a', {class: 'document-link', href: urlOf({...stateFromUrl(), library: libraryId,
    document: documentId})}, documentId);
  link.addEventListener('click', (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return; // a new tab or window: the browser opens the link's URL
    }
    event.preventDefault();
    history.pushState(null, '', link.href);
    openDocument(libraryId, documentId).catch(showError);
  });
  return link;
}

function renderResults(answer, state) {
  const hits = answer.results;
  $('summary').textContent = [count(hits.length, 'result'),
    answer.strategy && `strategy ${answer.strategy}`, answer.index && `index ${answer.index}`,
    typeof answer.tookMs === 'number' && `${answer.tookMs.toFixed(1)} ms`].filter(Boolean).join(SEPARATOR);
  $('partial').hidden = !answer.partial;
  $('partial').textContent = answer.partial ? `Partial answer: shards ${(answer.missingShards || []).join(', ')}`
      + ` did not answer${answer.missingReason ? ` (${answer.missingReason})` : ''}.` : '';
  $('hits').replaceChildren(...hits.map((hit, index) => el('li',
      {class: 'record hit', 'data-rank': index + 1, 'data-chunk-id': hit.chunkId, 'data-document-id': hit.documentId},
      el('div', {class: 'record-head'},
          el('span', {class: 'rank'}, `#${index + 1}`),
          el('span', {class: 'score', title: String(hit.score)}, `score ${Number(hit.score).toFixed(4)}`),
          el('span', {class: 'ids'}, el('span', {class: 'label'}, 'document '),
              documentLink(state.library, hit.documentId),
              el('span', {class: 'label'}, ' chunk '), el('code', null, hit.chunkId))),
      textOf(hit.text), metadataList(hit.metadata))));
  $('results').hidden = false;
}

function describe(record) {
  const name = record.name && record.name !== record.id ? record.name : null;
  return [name, record.model ? `model ${record.model}` : 'no model', `${record.dimension} dimensions`, record.metric,
    `${count(record.chunkCount, 'chunk')} in ${count(record.documentCount, 'document')}`].filter(Boolean).join(SEPARATOR);
}

// ---- errors and the API key ----

function showError(error) {
  if (error instanceof InputError) {
    $(error.inputId).setAttribute('aria-invalid', 'true');
    $(`${error.inputId}-error`).textContent = error.message;
    return;
  }
  if (error.status === 401) {
    askForKey(error.message);
    return;
  }
  const box = $('error');
  box.replaceChildren(el('p', {class: 'error-code'}, error.status ? `${error.status} ${error.code}` : error.code || 'error'),
      el('p', {class: 'error-message'}, error.message),
      error.field ? el('p', {class: 'error-field'}, 'field ', el('code', null, error.field)) : null);
  box.hidden = false;
  const input = error.field && INPUT_OF_FIELD[error.field.split(/[.[]/)[0]];
  if (input) {
    $(input).setAttribute('aria-invalid', 'true');
  }
}

function clearErrors() {
  $('error').hidden = true;
  form.querySelectorAll('[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
  form.querySelectorAll('.error-text').forEach((slot) => { slot.textContent = ''; });
}

function askForKey(message) {
  $('key-reason').textContent = message;
  $('key-form').hidden = false;
  $('api-key').focus();
}

// ---- libraries, searches, documents ----

/** Lists the libraries into the picker; a key limited to some libraries may not list them. */
async function loadLibraries(wanted) {
  let items;
  try {
    items = await listAll('v1/libraries');
  } catch (error) {
    if (error.status !== 403) {
      throw error;
    }
    const input = el('input', {id: 'library', name: 'library', required: '', spellcheck: 'false',
      placeholder: 'library id', value: wanted});
    $('library').replaceWith(input);
    $('library-info').textContent = `${error.message}: type the library's id.`;
    return;
  }
  const options = items.map((record) => el('option', {value: record.id},
      record.name && record.name !== record.id ? `${record.id} (${record.name})` : record.id));
  if (wanted && !items.some((record) => record.id === wanted)) {
    options.unshift(el('option', {value: wanted}, wanted)); // the API will say whether it exists
  }
  if (options.length === 0) {
    options.push(el('option', {value: ''}, 'no libraries yet'));
  }
  const select = el('select', {id: 'library', name: 'library', required: ''}, ...options);
  $('library').replaceWith(select);
  select.value = wanted || select.options[0].value;
}

async function selectLibrary(id) {
  library = null;
  $('library-info').textContent = '';
  if (!id) {
    return;
  }
  library = await api(libraryPath(id));
  $('library-info').textContent = describe(library);
  const textRadio = form.querySelector('input[name=by][value=text]');
  textRadio.disabled = !library.model;
  if (!library.model) {
    form.elements.by.value = 'vector';
    $('library-info').textContent += `. Without a model it is searched by a vector of ${library.dimension} numbers.`;
  }
  showMode();
}

function showMode() {
  const byVector = form.elements.by.value === 'vector';
  $('text-field').hidden = byVector;
  $('vector-field').hidden = !byVector;
}

function fill(state) {
  $('library').value = state.library;
  $('q').value = state.q;
  $('vector').value = state.vector;
  $('k').value = state.k;
  $('filter').value = state.filter;
  form.elements.by.value = state.vector || (library && !library.model) ? 'vector' : 'text';
  showMode();
}

function parsed(inputId, text, what) {
  try {
    return JSON.parse(text);
  } catch (failure) {
    throw new InputError(inputId, `${what} is not valid JSON: ${failure.message}`);
  }
}

async function search(state) {
  const ticket = ++searches;
  if (!state.library || (!state.q && !state.vector)) {
    $('results').hidden = true;
    return;
  }
  const body = {k: Number(state.k)};
  if (state.vector) {
    // A JSON array, or else base64 of little-endian float32 as the API also takes.
    body.vector = state.vector.startsWith('[') ? parsed('vector', state.vector, 'The vector') : state.vector;
  } else {
    body.text = state.q;
  }
  if (state.filter) {
    body.filter = parsed('filter', state.filter, 'The filter');
  }
  $('summary').textContent = 'Searching...';
  const answer = await api(`${libraryPath(state.library)}/search`, body);
  if (ticket === searches) {
    renderResults(answer, state);
  }
}

async function openDocument(libraryId, documentId) {
  const section = $('document');
  $('document-title').textContent = `Document ${documentId}`;
  $('document-metadata').replaceChildren();
  $('document-summary').textContent = 'Loading...';
  $('chunks').replaceChildren();
  section.hidden = false;
  const [record, chunks] = await Promise.all([api(documentPath(libraryId, documentId)),
    listAll(`${documentPath(libraryId, documentId)}/chunks`)]);
  const metadata = metadataList(record.metadata);
  $('document-metadata').replaceChildren(...(metadata ? metadata.childNodes : []));
  $('document-summary').textContent = `${count(chunks.length, 'chunk')} in library ${libraryId}`;
  $('chunks').replaceChildren(...chunks.map((chunk) => el('li', {class: 'record chunk', 'data-chunk-id': chunk.id},
      el('div', {class: 'record-head'}, el('span', {class: 'label'}, 'chunk '), el('code', null, chunk.id)),
      textOf(chunk.text), metadataList(chunk.metadata))));
  section.scrollIntoView({block: 'nearest'});
}

/** Shows what a URL asks for: its library, its search (unless already shown), its document. */
async function show(state) {
  clearErrors();
  try {
    if (!library || library.id !== state.library) {
      await selectLibrary(state.library);
    }
    fill(state);
    if (searchOf(state) !== shownSearch) {
      shownSearch = searchOf(state);
      await search(state);
    }
    if (state.document) {
      await openDocument(state.library, state.document);
    } else {
      $('document').hidden = true;
    }
  } catch (error) {
    showError(error);
  }
}

async function start() {
  $('key-actions').hidden = !sessionStorage.getItem(KEY_STORAGE);
  const state = stateFromUrl();
  try {
    await loadLibraries(state.library);
  } catch (error) {
    showError(error);
    return;
  }
  library = null;
  shownSearch = null;
  await show({...state, library: $('library').value});
}

// ---- events ----

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const state = stateFromForm();
  history.pushState(null, '', urlOf(state));
  shownSearch = null; // searching again on purpose: the library may have changed since
  await show(state);
  const answer = [$('error'), $('results')].find((section) => !section.hidden);
  if (answer && NARROW.matches) {
    answer.scrollIntoView(); // on a phone the form fills the screen: show what the search found
  }
});

form.addEventListener('change', (event) => {
  if (event.target.id === 'library') {
    clearErrors();
    $('results').hidden = true;
    selectLibrary(event.target.value.trim()).catch(showError);
  } else if (event.target.name === 'by') {
    showMode();
  }
});

$('close-document').addEventListener('click', () => {
  history.pushState(null, '', urlOf({...stateFromUrl(), document: ''}));
  $('document').hidden = true;
});

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, $('api-key').value.trim());
  $('api-key').value = '';
  $('key-form').hidden = true;
  start();
});

$('forget-key').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORAGE);
  location.reload();
});

window.addEventListener('popstate', () => show(stateFromUrl()));

start();
