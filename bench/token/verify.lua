-- verify.lua - wrk: GET the URL's path with a different bearer token on each
-- request, cycling through the tokens of the file named by BENCH_TOKENS (one
-- per line).  The requests are formatted once, in init, so the load
-- generator spends its time sending, not building strings.
local reqs = {}
local n, i = 0, 0

function init(args)
	local path = os.getenv("BENCH_TOKENS")
	if path == nil then error("BENCH_TOKENS is not set") end
	for line in io.lines(path) do
		if #line > 0 then
			n = n + 1
			reqs[n] = wrk.format("GET", wrk.path, { ["Authorization"] = "Bearer " .. line })
		end
	end
	if n == 0 then error(path .. ": no tokens") end
end

function request()
	i = i % n + 1
	return reqs[i]
end
