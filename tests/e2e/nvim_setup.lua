-- The plugin's Lua module in headless Neovim (0.7+): the plugin on
-- 'runtimepath', `require('ipseclint').setup{cmd = ...}`, then a gateway
-- file opened: its filetype comes from the plugin's ftdetect and the server,
-- started by setup(), publishes the expected diagnostic. Run by
-- tests/editor_packages.rs:
--   IPSECLINT_ROOT=<project> IPSECLINT_BIN=<ipseclint> LSP_FILE=<file>
--   LSP_EXPECT_CODE=<code> nvim --headless -u NONE -i NONE -n -c 'luafile tests/e2e/nvim_setup.lua'
-- Exit status: 0 = ok, 1 = check failed, 2 = Lua error in this script.

local function out(...)
  io.stdout:write(table.concat({ ... }, ' '), '\n')
  io.stdout:flush()
end

local function finish(code)
  for _, c in pairs(vim.lsp.get_active_clients()) do
    c.stop()
  end
  vim.wait(2000, function()
    return #vim.lsp.get_active_clients() == 0
  end, 20)
  if code == 0 then
    vim.cmd('qall!')
  else
    vim.cmd('cquit ' .. code)
  end
end

local function main()
  local root = assert(os.getenv('IPSECLINT_ROOT'), 'IPSECLINT_ROOT not set')
  local file = assert(os.getenv('LSP_FILE'), 'LSP_FILE not set')
  local want = assert(os.getenv('LSP_EXPECT_CODE'), 'LSP_EXPECT_CODE not set')
  vim.opt.runtimepath:prepend(root .. '/editors/vim')
  vim.cmd('filetype plugin on')
  vim.cmd('syntax on')
  require('ipseclint').setup({ cmd = { os.getenv('IPSECLINT_BIN'), 'lsp' } })
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  out('filetype=' .. vim.bo[bufnr].filetype)
  local found = vim.wait(30000, function()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if d.code == want then
        return true
      end
    end
    return false
  end, 20)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    out(string.format('%d:%d code=%s %s', d.lnum + 1, d.col + 1, tostring(d.code), d.message))
  end
  if not found then
    io.stderr:write('\nFAIL: no ' .. want .. ' diagnostic from the server setup() started\n')
    return finish(1)
  end
  finish(0)
end

local ok, e = xpcall(main, debug.traceback)
if not ok then
  io.stderr:write('\nLUA ERROR: ' .. tostring(e) .. '\n')
  vim.cmd('cquit 2')
end
