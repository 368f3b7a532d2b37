-- ipseclint for Neovim: `require('ipseclint').setup{...}` starts
-- `ipseclint lsp` for the filetypes of this plugin. Neovim 0.11+ uses
-- vim.lsp.config/vim.lsp.enable, 0.8-0.10 vim.lsp.start, 0.7 start_client.
-- See `:help ipseclint-neovim`.

local M = {}

M.filetypes = { 'racoon', 'racoonpsk', 'setkey', 'ipfw', 'ipf', 'ipnat' }

-- A workspace root: the nearest ancestor with one of these, else none (the
-- server then finds the gateway and its site from the file's ancestors).
M.root_markers = { 'ipseclint.toml', '.git' }

local defaults = {
  cmd = { 'ipseclint', 'lsp' },
  filetypes = M.filetypes,
  root_markers = M.root_markers,
  -- initializationOptions: target ('freebsd-13'...), configFile, live,
  -- debounceMs.
  init_options = {},
  on_attach = nil,
}

local function root_of(path, markers)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  for _, marker in ipairs(markers) do
    -- `:p` of a directory ends in `/`, so its parent is `:p:h:h`.
    local d = vim.fn.finddir(marker, dir .. ';')
    if d ~= '' then
      return vim.fn.fnamemodify(d, ':p:h:h')
    end
    local f = vim.fn.findfile(marker, dir .. ';')
    if f ~= '' then
      return vim.fn.fnamemodify(f, ':p:h')
    end
  end
  return nil
end

local function merged(opts)
  return vim.tbl_deep_extend('force', {}, defaults, opts or {})
end

-- Neovim 0.11+: the built-in configuration registry.
local function setup_config(o)
  vim.lsp.config('ipseclint', {
    cmd = o.cmd,
    filetypes = o.filetypes,
    root_markers = o.root_markers,
    init_options = o.init_options,
    on_attach = o.on_attach,
  })
  vim.lsp.enable('ipseclint')
end

-- Neovim 0.7: one client per root, attached to each buffer of the filetypes.
local clients = {}

local function start_for(bufnr, o)
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == '' then
    return
  end
  local root = root_of(path, o.root_markers)
  local config = {
    name = 'ipseclint',
    cmd = o.cmd,
    root_dir = root,
    init_options = o.init_options,
    on_attach = o.on_attach,
  }
  if vim.lsp.start then
    vim.lsp.start(config, { bufnr = bufnr })
    return
  end
  local key = root or ''
  local id = clients[key]
  if not id or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(config)
    clients[key] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

local function setup_autocmd(o)
  local group = vim.api.nvim_create_augroup('ipseclint_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = o.filetypes,
    callback = function(args)
      start_for(args.buf, o)
    end,
  })
  -- Buffers already open when setup() runs.
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and vim.tbl_contains(o.filetypes, vim.bo[b].filetype) then
      start_for(b, o)
    end
  end
end

function M.setup(opts)
  local o = merged(opts)
  if vim.fn.has('nvim-0.11') == 1 and vim.lsp.config then
    setup_config(o)
  else
    setup_autocmd(o)
  end
end

M._root_of = root_of

return M
