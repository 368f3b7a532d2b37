-- `ipseclint lsp` in a real editor: headless Neovim (0.7+) starts it with
-- vim.lsp.start_client, opens a gateway file and checks its diagnostics, a
-- hover and a go-to-definition. Run by tests/editors.rs:
--   LSP_CMD_JSON='["/path/to/ipseclint","lsp"]' LSP_FILE=/abs/file.conf LSP_ROOT=/abs/root \
--     nvim --headless --clean -n -c 'luafile tests/e2e/nvim_lsp.lua' </dev/null
-- Expectations: LSP_EXPECT_CODE (a diagnostic code), LSP_EXPECT_HOVER (a
-- substring), LSP_EXPECT_DEFINITION (the end of the target's path).
-- Optional env: LSP_INIT_OPTIONS_JSON='{"k":1}'  LSP_LINE=0 LSP_COL=1 (0-based position for hover/definition)
--               LSP_TIMEOUT_MS=10000  LSP_EXPECT_HOVER='substring'  LSP_LOG_LEVEL=debug
-- Exit status: 0 = ok, 1 = check failed, 2 = Lua error in this script.
-- (nvim 0.7 has no `-l`; `print()` goes to stderr without a newline in headless mode, so use io.stdout:write.)

local function out(...)
  io.stdout:write(table.concat({ ... }, ' '), '\n')
  io.stdout:flush()
end
local function err(...)
  -- leading newline: nvim's own headless messages go to stderr without a trailing newline
  io.stderr:write('\n', table.concat({ ... }, ' '), '\n')
  io.stderr:flush()
end

local function env(name, default)
  local v = os.getenv(name)
  if v == nil or v == '' then return default end
  return v
end

local client_id -- for cleanup

local function finish(code)
  if client_id then
    -- sends shutdown + exit; give the server a moment to go away
    local client = vim.lsp.get_client_by_id(client_id)
    if client then
      client.stop()
      vim.wait(2000, function() return client.is_stopped() end, 20)
    end
  end
  if code == 0 then
    vim.cmd('qall!')
  else
    vim.cmd('cquit ' .. code)
  end
end

local function fail(msg)
  err('FAIL: ' .. msg)
  err('lsp log: ' .. vim.lsp.get_log_path())
  finish(1)
end

local function main()
  local timeout = tonumber(env('LSP_TIMEOUT_MS', '10000'))
  local cmd = vim.fn.json_decode((assert(os.getenv('LSP_CMD_JSON'), 'LSP_CMD_JSON not set')))
  local file = (assert(os.getenv('LSP_FILE'), 'LSP_FILE not set'))
  local root = env('LSP_ROOT', vim.fn.fnamemodify(file, ':p:h'))
  local init_options = vim.fn.json_decode(env('LSP_INIT_OPTIONS_JSON', '{}'))
  local line = tonumber(env('LSP_LINE', '0'))
  local col = tonumber(env('LSP_COL', '1'))
  vim.lsp.set_log_level(env('LSP_LOG_LEVEL', 'warn'))

  local init_result
  client_id = vim.lsp.start_client({
    name = 'ipseclint',
    cmd = cmd,
    root_dir = root, -- -> rootUri/rootPath; workspaceFolders = {{uri=root, name=root}}
    init_options = init_options, -- -> initializationOptions
    on_init = function(client, result)
      init_result = result
    end,
    on_exit = function(code, signal)
      if code ~= 0 then err('server exited code=' .. tostring(code) .. ' signal=' .. tostring(signal)) end
    end,
  })
  if not client_id then return fail('start_client returned nil (bad cmd?)') end

  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  -- didOpen is sent now if initialized, otherwise right after `initialized`.
  if not vim.lsp.buf_attach_client(bufnr, client_id) then return fail('buf_attach_client failed') end

  if not vim.wait(timeout, function() return init_result ~= nil end, 20) then
    return fail('initialize timed out')
  end
  local client = vim.lsp.get_client_by_id(client_id)
  -- 0.7: client.server_capabilities is the raw ServerCapabilities (resolved_capabilities is deprecated)
  out('server capabilities: hover=' .. vim.inspect(client.server_capabilities.hoverProvider)
    .. ' definition=' .. vim.inspect(client.server_capabilities.definitionProvider)
    .. ' offset_encoding=' .. tostring(client.offset_encoding))

  if not vim.wait(timeout, function() return #vim.diagnostic.get(bufnr) > 0 end, 20) then
    return fail('no diagnostics within ' .. timeout .. 'ms')
  end
  -- The first publish may be an empty one for a file whose findings come later.
  local want_code = os.getenv('LSP_EXPECT_CODE')
  if want_code and not vim.wait(timeout, function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.code == want_code then return true end
    end
    return false
  end, 20) then
    return fail('no ' .. want_code .. ' diagnostic')
  end
  local diags = vim.diagnostic.get(bufnr)
  out('diagnostics: ' .. #diags)
  for _, d in ipairs(diags) do
    -- lnum/col are 0-based byte cols; d.code is set; the raw LSP extras (code, relatedInformation,
    -- codeDescription, tags, data) are in d.user_data.lsp
    local ri = d.user_data and d.user_data.lsp and d.user_data.lsp.relatedInformation
    out(string.format('  %d:%d-%d:%d severity=%d source=%s code=%s related=%d msg=%s', d.lnum, d.col,
      d.end_lnum, d.end_col, d.severity, tostring(d.source), tostring(d.code), ri and #ri or 0, d.message))
  end

  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = line, character = col },
  }

  -- request_sync returns {err=, result=} or nil, "timeout"/error string
  local resp, rerr = client.request_sync('textDocument/hover', params, timeout, bufnr)
  if not resp then return fail('hover: ' .. tostring(rerr)) end
  if resp.err then return fail('hover error: ' .. vim.inspect(resp.err)) end
  if not resp.result then return fail('hover: null result') end
  local lines = vim.lsp.util.convert_input_to_markdown_lines(resp.result.contents)
  local hover_text = table.concat(lines, '\n')
  out('hover: ' .. hover_text)
  local expect = os.getenv('LSP_EXPECT_HOVER')
  if expect and not hover_text:find(expect, 1, true) then
    return fail('hover does not contain ' .. expect)
  end

  resp, rerr = client.request_sync('textDocument/definition', params, timeout, bufnr)
  if not resp then return fail('definition: ' .. tostring(rerr)) end
  if resp.err then return fail('definition error: ' .. vim.inspect(resp.err)) end
  local res = resp.result
  if res == nil or (vim.tbl_islist(res) and #res == 0) then return fail('definition: empty result') end
  if not vim.tbl_islist(res) then res = { res } end
  for _, loc in ipairs(res) do
    local uri = loc.uri or loc.targetUri
    local range = loc.range or loc.targetSelectionRange
    out(string.format('definition: %s %d:%d', uri, range.start.line, range.start.character))
  end
  local want_def = os.getenv('LSP_EXPECT_DEFINITION')
  local first = res[1].uri or res[1].targetUri
  if want_def and first:sub(-#want_def) ~= want_def then
    return fail('definition leads to ' .. first .. ', not ' .. want_def)
  end

  -- codeAction over the first diagnostic's range (only checked if LSP_EXPECT_CODE_ACTION is set)
  local d1 = diags[1]
  local lsp_diag = vim.tbl_extend('force', d1.user_data and d1.user_data.lsp or {}, {
    range = { start = { line = d1.lnum, character = d1.col },
              ['end'] = { line = d1.end_lnum, character = d1.end_col } },
    message = d1.message, severity = d1.severity, source = d1.source,
  })
  resp, rerr = client.request_sync('textDocument/codeAction', {
    textDocument = params.textDocument, range = lsp_diag.range,
    context = { diagnostics = { lsp_diag } },
  }, timeout, bufnr)
  if not resp then return fail('codeAction: ' .. tostring(rerr)) end
  if resp.err then return fail('codeAction error: ' .. vim.inspect(resp.err)) end
  local titles = {}
  for _, a in ipairs(resp.result or {}) do table.insert(titles, a.title .. ' [' .. tostring(a.kind) .. ']') end
  out('codeActions: ' .. table.concat(titles, '; '))
  local want = os.getenv('LSP_EXPECT_CODE_ACTION')
  if want and not table.concat(titles, '\n'):find(want, 1, true) then
    return fail('no code action titled ' .. want)
  end

  out('OK')
  finish(0)
end

local ok, e = xpcall(main, debug.traceback)
if not ok then
  -- an uncaught error in a -c luafile script would NOT exit headless nvim: it would hang
  err('LUA ERROR: ' .. tostring(e))
  vim.cmd('cquit 2')
end
