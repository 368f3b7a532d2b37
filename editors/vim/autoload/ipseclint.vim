" ipseclint's plugin for vim and neovim: filetype detection.
" The rules follow ipseclint's classify() (src/engine/mod.rs): names are
" compared lower-cased; a tie in the content count decides nothing.

let s:ipfw_actions = ['allow', 'accept', 'pass', 'permit', 'deny', 'drop',
      \ 'reject', 'unreach', 'reset', 'count', 'skipto', 'divert', 'fwd',
      \ 'forward', 'check-state', 'nat', 'pipe', 'queue', 'tee', 'setfib',
      \ 'call', 'return', 'set', 'prob']

" How many of the first lines look like each format.
function! ipseclint#sniff(lines) abort
  let c = {'racoon': 0, 'setkey': 0, 'ipfw': 0, 'ipf': 0, 'ipnat': 0}
  for raw in a:lines
    let line = substitute(raw, '^\s\+', '', '')
    if line =~# '^#'
      continue
    endif
    let words = split(substitute(line, '^[+-]\+', '', ''), '[[:space:];]\+')
    let first = get(words, 0, '')
    let second = get(words, 1, '')
    if index(['remote', 'sainfo', 'listen', 'padding'], first) >= 0
      let c.racoon += 1
    elseif first ==# 'path' && line =~# 'pre_shared_key\|certificate'
      let c.racoon += 1
    elseif first ==# 'add'
      let action = second =~# '^\d*$' ? get(words, 2, '') : second
      if index(s:ipfw_actions, action) >= 0
        let c.ipfw += 1
      else
        let c.setkey += 1
      endif
    elseif index(['spdadd', 'spdflush', 'spddelete', 'spddump', 'deleteall'], first) >= 0
      let c.setkey += 1
    elseif first ==# 'flush' && line =~# ';'
      let c.setkey += 1
    elseif index(['ipfw', '/sbin/ipfw', '${fwcmd}', '$fwcmd', '${FW}', '$FW'], first) >= 0
      let c.ipfw += 1
    elseif index(['pass', 'block', 'log', 'count', 'skip', 'auth'], first) >= 0
          \ && index(['in', 'out', 'quick', 'return-rst', 'return-icmp', 'log'], second) >= 0
      let c.ipf += 1
    elseif index(['map', 'rdr', 'bimap', 'map-block'], first) >= 0
      let c.ipnat += 1
    elseif first =~# '^@'
      let c.ipf += 1
    endif
  endfor
  return c
endfunction

" The filetype for a file name and its first lines, or '' when ipseclint
" would not read it.
function! ipseclint#filetype(path, lines) abort
  let name = tolower(fnamemodify(a:path, ':t'))
  let text = join(a:lines, "\n")
  let racoon_name = name =~# 'racoon' && name =~# '\.conf'
  if racoon_name && name =~# 'psk'
    " racoon-psk.conf: the content decides; keys read as racoon.conf would
    " be shown as syntax, so psk.txt unless racoon statements are there.
    return ipseclint#sniff(a:lines).racoon > 0 ? 'racoon' : 'racoonpsk'
  endif
  if racoon_name
    return 'racoon'
  endif
  if name =~# 'psk'
    return 'racoonpsk'
  endif
  if name =~# 'rc\.conf' || index(['loader.conf', 'sysctl.conf', 'freebsd-version'], name) >= 0
    return ''
  endif
  " strongSwan's ipsec.conf, documents and other daemons' key files are
  " not ours, even when they mention `flush;` or `pass in`.
  if text =~# '\(^\|\n\)\s*\(conn \|config setup\)'
        \ || name =~# '\.\(md\|markdown\|rst\|txt\|html\|htm\|pdf\|org\)$'
        \ || name =~# '\.secrets$' || name ==# 'secrets'
    return ''
  endif
  if name =~# 'setkey' || name =~# '^ipsec\.conf' || name =~# 'ipsec-tools\.conf'
    return 'setkey'
  endif
  let c = ipseclint#sniff(a:lines)
  if name =~# 'ipnat'
    return 'ipnat'
  endif
  if name =~# 'ipfw' || name =~# 'rc\.firewall'
    return c.ipf > c.ipfw ? 'ipf' : 'ipfw'
  endif
  if name =~# 'ipf'
    return c.ipfw > c.ipf ? 'ipfw' : 'ipf'
  endif
  let ranked = sort(items(c), {a, b -> b[1] - a[1]})
  if ranked[0][1] > 0 && ranked[0][1] > ranked[1][1]
    return ranked[0][0]
  endif
  return ''
endfunction

" Called for every file read: set the filetype when the name says it is
" ours; by content only when nothing else claimed the file.
function! ipseclint#detect() abort
  let path = expand('<afile>')
  let lines = getline(1, 200)
  let ft = ipseclint#filetype(path, lines)
  if ft ==# ''
    return
  endif
  let by_name = ipseclint#filetype(path, []) !=# ''
  if by_name || &filetype ==# '' || &filetype ==# 'conf'
    " A plugin of the filetype guessed before (vim's `hog` for *.rules) may
    " have set b:did_ftplugin without b:undo_ftplugin: ours must still load.
    if &filetype !=# ft && !exists('b:undo_ftplugin')
      unlet! b:did_ftplugin
    endif
    execute 'setlocal filetype=' . ft
  endif
endfunction
