-- issue.lua - wrk: POST the client credentials grant, asking for scope
-- points:read, to the URL's path over keep-alive.  The client's credentials
-- come as a header on wrk's command line: -H "Authorization: Basic ...".
-- Every issuer under test gets the same body.
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&scope=points%3Aread"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
