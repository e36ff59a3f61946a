"""grader.service"""
